/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OVL_STORE_CMD_H
#define OVL_STORE_CMD_H

/* `ovlconform store ...`: argv[0] is "store". Returns the exit code. */
int ovl_store_main(int argc, char **argv);

#endif
