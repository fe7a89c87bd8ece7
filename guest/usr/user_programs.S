/*
 * usr/user_programs.S: the user programs inside the kernel image, each the ELF file guest/user/ built
 * (2.6.12 links its initramfs in the same way, usr/initramfs_data.S). There is no file system: exec
 * finds a program by name in user_programs[] (fs/exec.c) and copies its segments into fresh pages.
 *
 * user_programs[]: { const char *name; const void *image; unsigned long size; } ..., then a NULL name.
 * Its section has a fixed size (kernel.ld), so the kernel's own layout is the same with or without
 * the programs - a kernel built without USER_PROGRAM_* defines (tests/golden's variants) simply has
 * none.
 */
	.section .user_programs, "a"
	.p2align 2
	.globl user_programs
	.type user_programs, @object
user_programs:
#ifdef USER_PROGRAM_init
	.long init_name, init_image, init_end - init_image
#endif
#ifdef USER_PROGRAM_forktest
	.long forktest_name, forktest_image, forktest_end - forktest_image
#endif
#ifdef USER_PROGRAM_isolation
	.long isolation_name, isolation_image, isolation_end - isolation_image
#endif
#ifdef USER_PROGRAM_faults
	.long faults_name, faults_image, faults_end - faults_image
#endif
#ifdef USER_PROGRAM_forkbomb
	.long forkbomb_name, forkbomb_image, forkbomb_end - forkbomb_image
#endif
#ifdef USER_PROGRAM_schedmix
	.long schedmix_name, schedmix_image, schedmix_end - schedmix_image
#endif
#ifdef USER_PROGRAM_forkloop
	.long forkloop_name, forkloop_image, forkloop_end - forkloop_image
#endif
#ifdef USER_PROGRAM_orphan
	.long orphan_name, orphan_image, orphan_end - orphan_image
#endif
#ifdef USER_PROGRAM_lines
	.long lines_name, lines_image, lines_end - lines_image
#endif
#ifdef USER_PROGRAM_signals
	.long signals_name, signals_image, signals_end - signals_image
#endif
#ifdef USER_PROGRAM_sighandler
	.long sighandler_name, sighandler_image, sighandler_end - sighandler_image
#endif
	.long 0, 0, 0
	.size user_programs, . - user_programs

#ifdef USER_PROGRAM_init
init_name:
	.asciz "init"
	.p2align 4
init_image:
	.incbin USER_PROGRAM_init
init_end:
#endif

#ifdef USER_PROGRAM_forktest
forktest_name:
	.asciz "forktest"
	.p2align 4
forktest_image:
	.incbin USER_PROGRAM_forktest
forktest_end:
#endif

#ifdef USER_PROGRAM_isolation
isolation_name:
	.asciz "isolation"
	.p2align 4
isolation_image:
	.incbin USER_PROGRAM_isolation
isolation_end:
#endif

#ifdef USER_PROGRAM_faults
faults_name:
	.asciz "faults"
	.p2align 4
faults_image:
	.incbin USER_PROGRAM_faults
faults_end:
#endif

#ifdef USER_PROGRAM_forkbomb
forkbomb_name:
	.asciz "forkbomb"
	.p2align 4
forkbomb_image:
	.incbin USER_PROGRAM_forkbomb
forkbomb_end:
#endif

#ifdef USER_PROGRAM_schedmix
schedmix_name:
	.asciz "schedmix"
	.p2align 4
schedmix_image:
	.incbin USER_PROGRAM_schedmix
schedmix_end:
#endif

#ifdef USER_PROGRAM_forkloop
forkloop_name:
	.asciz "forkloop"
	.p2align 4
forkloop_image:
	.incbin USER_PROGRAM_forkloop
forkloop_end:
#endif

#ifdef USER_PROGRAM_orphan
orphan_name:
	.asciz "orphan"
	.p2align 4
orphan_image:
	.incbin USER_PROGRAM_orphan
orphan_end:
#endif
#ifdef USER_PROGRAM_lines
lines_name:
	.asciz "lines"
	.p2align 4
lines_image:
	.incbin USER_PROGRAM_lines
lines_end:
#endif

#ifdef USER_PROGRAM_signals
signals_name:
	.asciz "signals"
	.p2align 4
signals_image:
	.incbin USER_PROGRAM_signals
signals_end:
#endif

#ifdef USER_PROGRAM_sighandler
sighandler_name:
	.asciz "sighandler"
	.p2align 4
sighandler_image:
	.incbin USER_PROGRAM_sighandler
sighandler_end:
#endif
