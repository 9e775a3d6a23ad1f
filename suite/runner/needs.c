// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/needs.c - whether a case can run here: capabilities, the
 * kernel config its descriptor and the target need, the backing filesystem.
 */
#define _GNU_SOURCE
#include "runner.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/capability.h>
#include "descriptor.h"
#include "ovl-host.h"
#include "kmsg.h"
#include "record.h"
#include "matrix.h"
#include "result.h"
#include "ovl-common.h"
#include "exec.h"
#include "runner-private.h"

/* ---- needs ---------------------------------------------------------------- */

bool runner_have_caps(char *why, size_t len)
{
	static const cap_value_t need[] = { CAP_SYS_ADMIN, CAP_MKNOD, CAP_CHOWN, CAP_FOWNER,
					    CAP_DAC_OVERRIDE };
	cap_t caps = cap_get_proc();
	bool ok = caps != NULL;

	for (size_t i = 0; ok && i < sizeof(need) / sizeof(need[0]); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, need[i], CAP_EFFECTIVE, &v) || v != CAP_SET) {
			char *name = cap_to_name(need[i]);

			snprintf(why, len, "needs root: %s is not in the effective capability set",
				 name ? name : "a capability");
			cap_free(name);
			ok = false;
		}
	}
	if (!caps)
		snprintf(why, len, "cannot read capabilities: %s", strerror(errno));
	cap_free(caps);
	return ok;
}

/* Needs that the runner checks before it forks: CONF with the reason. */
bool runner_needs_met(const struct ovl_case *c, const struct ovl_target *target, const struct ovl_backing *b,
		      const char *fixtures_dir, bool privileged,
		      const char *priv_why, const struct ovl_kconfig *kc, const char *kc_why,
		      enum ovl_outcome *unmet, char *why, size_t len)
{
	*unmet = OVL_CONF;
	if (c->fs && !(c->fs & b->bit)) {
		snprintf(why, len, "the case does not run on %s (its .fs mask excludes it)", b->name);
		return false;
	}
	if (c->needs_root && !privileged) {
		snprintf(why, len, "%s", priv_why);
		return false;
	}
	{
		char expr[1024], missing[1024];
		struct ovl_err err = { "" };
		bool ok = true;

		ovl_case_kconfig_expr(c, target, expr, sizeof(expr));
		/* Without a config, only what the case itself asks for is unknown (the target probes itself). */
		if (!kc && c->needs_kconfig) {
			snprintf(why, len, "needs %s, but %s", c->needs_kconfig, kc_why);
			return false;
		}
		if (kc && *expr && ovl_kconfig_eval(kc, expr, &ok, missing, sizeof(missing), &err)) {
			snprintf(why, len, "needs %s: %s", expr, err.msg);
			*unmet = OVL_BROK;
			return false;
		}
		if (!ok) {
			snprintf(why, len, "needs %s; kernel config %s: %s", expr, ovl_kconfig_source(kc), missing);
			return false;
		}
	}
	/* The release gates: on every target that is the kernel's overlayfs, and on the backing fs */
	{
		const char *impl = target->implementation ? target->implementation : target->name;
		bool kernel = strcmp(impl, "kernel") == 0;
		struct utsname u;

		if (uname(&u)) {
			snprintf(why, len, "uname: %s", strerror(errno));
			*unmet = OVL_BROK;
			return false;
		}
		if (kernel && c->needs_kernel && !ovl_kernel_in_range(c->needs_kernel, u.release)) {
			snprintf(why, len, "needs Linux %s, this is %s", c->needs_kernel, u.release);
			return false;
		}
		if (kernel && !ovl_kernel_features_met(c->needs_kernel_features, u.release, why, len))
			return false;
		if (b->kind == OVL_BACKING_TMPFS) {
			bool uses = false;
			char fwhy[512];

			if (ovl_case_user_xattrs(c, fixtures_dir, &uses, why, len)) {
				*unmet = OVL_BROK;
				return false;
			}
			if (uses && !ovl_kernel_has_feature("tmpfs-user-xattrs", u.release, fwhy, sizeof(fwhy))) {
				snprintf(why, len, "the case sets user.* xattrs (%s): it %s",
					 c->needs_user_xattrs ? "in its operations" : c->fixture, fwhy);
				return false;
			}
		}
	}
	for (const char *p = c->needs_programs; p && *p;) {
		const char *e = strchrnul(p, ',');
		char name[256], path[PATH_MAX];

		snprintf(name, sizeof(name), "%.*s", (int)(e - p), p);
		if (ovl_find_program(name, path, sizeof(path))) {
			/*
			 * Whoever set up this machine may say why it lacks programs: OVLCONFORM_LEFT_OUT
			 * is "NAME,NAME: why" (scripts/vm sets it for what it leaves out of a guest).
			 */
			const char *lo = getenv("OVLCONFORM_LEFT_OUT"), *colon = lo ? strchr(lo, ':') : NULL;
			bool listed = false;

			for (const char *q = lo; colon && q < colon;) {
				size_t n = strcspn(q, ",:");

				listed |= n == strlen(name) && strncmp(q, name, n) == 0;
				q += n + 1;
			}
			if (listed)
				snprintf(why, len, "needs program %s, which is not here:%s", name, colon + 1);
			else
				snprintf(why, len, "needs program %s, which is not installed (looked in /usr/sbin, /sbin, "
					 "/usr/bin, /bin, /usr/local/sbin, /usr/local/bin)", name);
			return false;
		}
		p = *e ? e + 1 : e;
	}
	if (b->outcome != OVL_PASS) {
		ovl_fmt(why, len, "backing filesystem %s: %s", b->name, b->reason);
		*unmet = b->outcome; /* CONF: cannot be made here; BROK: it broke */
		return false;
	}
	return true;
}
