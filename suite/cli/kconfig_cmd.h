/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OVL_KCONFIG_CMD_H
#define OVL_KCONFIG_CMD_H

/* `ovlconform kconfig ...` (argv[0] is "kconfig"); fixtures locates Kconfig-checks/. */
int ovl_kconfig_main(int argc, char **argv, const char *fixtures);

#endif
