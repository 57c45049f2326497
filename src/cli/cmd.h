/* SPDX-License-Identifier: MIT */
/*
 * cmd.h: what the subcommands of pwire share.
 */
#ifndef PWIRE_CLI_CMD_H
#define PWIRE_CLI_CMD_H

enum { PW_EXIT_OK = 0, PW_EXIT_FAIL = 1, PW_EXIT_USAGE = 2 };

/* pwire up DEV [WORD VALUE]... (up.c) */
int pw_cmd_up(int argc, char **argv);

/* pwire [-s SOCKET] show [--json|--prometheus]: ask pwired (show.c). */
int pw_cmd_show(int argc, char **argv, const char *sock);
/* pwire [-s SOCKET] reload: pwired re-reads its configuration (show.c). */
int pw_cmd_reload(int argc, char **argv, const char *sock);

/* pwire add|del|set NAME [KEY VALUE ...]: a pseudowire more, less or
 * changed in a running pwired (show.c). */
int pw_cmd_section(int argc, char **argv, const char *sock);

#endif
