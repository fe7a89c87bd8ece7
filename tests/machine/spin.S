/* A guest that loops forever: --max-cycles must stop it with status 124. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	.globl spin
spin:
	jmp spin
#include "common_data.inc"
