/* Memory writes in traces (issue 15, tests/cli/trace_mem_cli_test.cpp): a push of a known value, then
 * the command line's first byte copied into memory with MOVSB, memory to memory, so two runs with
 * command lines that differ in that byte differ in one memory write and in no register. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	push $0x1234abcd		/* `trace dump --mem` shows this store under the push */
	pop %eax
	mov 16(%ebx), %esi		/* multiboot info: the command line */
	lea -64(%esp), %edi
	movsb				/* the one store that depends on it */
	xor %eax, %eax
	out %eax, $0xF4			/* debug-exit: status 0 */
	hlt
#include "common_data.inc"
