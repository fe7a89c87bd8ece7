/*
 * lib/cmdline.c: reading options off the kernel command line (2.6.12 has get_option() here and
 * __setup() tables elsewhere; this kernel asks for the few options it knows by name).
 */
#include <linux/kernel.h>
#include <linux/string.h>

/* The decimal value of the last "name=N" word in cmdline (N capped near 10^9), or -1 when there is
 * none. */
long cmdline_number(const char *cmdline, const char *name)
{
	size_t len = strlen(name);
	const char *p;
	long v = -1;

	for (p = cmdline; (p = strstr(p, name)) != NULL; p += len)
		if ((p == cmdline || p[-1] == ' ') && p[len] == '=' && p[len + 1] >= '0' && p[len + 1] <= '9')
			for (v = 0, p += len + 1; *p >= '0' && *p <= '9' && v < 100000000; p++)
				v = v * 10 + (*p - '0');
	return v;
}

/* Whether cmdline has the word `word` (blank-separated, before any "--": the words after it are
 * init's). */
int cmdline_word(const char *cmdline, const char *word)
{
	size_t len = strlen(word);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, "--", 2) && (p[2] == ' ' || !p[2]))
			return 0;
		if (!strncmp(p, word, len) && (p[len] == ' ' || !p[len]))
			return 1;
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}
