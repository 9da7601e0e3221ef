/* SPDX-License-Identifier: GPL-2.0 */
/* --list-funcs: the selected probes, each with the program that would read it. */
#ifndef SKBT_LIST_H
#define SKBT_LIST_H

#include "probe/select.h"

void list_funcs(const struct selection *s);

#endif
