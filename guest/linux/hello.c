/*
 * hello.c: /bin/hello, the program /init execs (init.c): a second ELF the kernel loads by execve,
 * with its own argv and environment. Exits 0 when it got what init passed.
 */
#include "sys.h"

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int main(int argc, char **argv, char **envp)
{
	put("hello: parent ");
	put_num(sys_getppid());
	put(", argv[1] ");
	put(argc > 1 ? argv[1] : "(none)");
	put(", envp[0] ");
	put(envp[0] ? envp[0] : "(none)");
	put("\n");
	return argc == 2 && same(argv[1], "from-init") && envp[0] && same(envp[0], "HOME=/") ? 0 : 1;
}
