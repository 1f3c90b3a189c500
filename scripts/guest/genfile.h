/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generation file of the load tests: a number that a script changes
 * around module loads (odd: loaded, even: not), or "stop".  A result whose
 * KVM_RUN began and ended under one odd number ran with the module loaded
 * throughout.
 */
#ifndef GENFILE_H
#define GENFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_STOP	-1L

static inline long genfile_read(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	if (!strncmp(buf, "stop", 4))
		return GEN_STOP;
	return buf[0] ? strtol(buf, NULL, 10) : 0;
}

#endif /* GENFILE_H */
