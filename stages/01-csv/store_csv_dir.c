/*
 * store_csv_dir.c - create, open and lock the CSV store's directory.
 * See store_csv_dir.h.
 */
#include "store_csv_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "santa/dir.h"
#include "santa/log.h"

static const char *errstr(int e)
{
    const char *s = strerrordesc_np(e);
    return s ? s : "unknown error";
}

enum santa_status csv_store_dir_open(const char *path, int *dirfd, int *lockfd, char *err,
                                     size_t errlen)
{
    *dirfd = -1;
    *lockfd = -1;
    if (!path || !santa_mkdir_p("csv", path, err, errlen)) {
        if (!path)
            snprintf(err, errlen, "no data directory given");
        return SANTA_UNAVAILABLE;
    }
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        snprintf(err, errlen, "open data directory %s: %s", path, errstr(errno));
        return SANTA_UNAVAILABLE;
    }
    int lfd = openat(dfd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) {
        snprintf(err, errlen, "open %s/LOCK: %s", path, errstr(errno));
        close(dfd);
        return SANTA_UNAVAILABLE;
    }
    /* flock, not fcntl(F_SETLK): a POSIX record lock is dropped by any close()
     * of any descriptor of the file in this process. */
    if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errlen,
                     "data directory %s is in use: another santa process holds %s/LOCK", path,
                     path);
        else
            snprintf(err, errlen, "lock %s/LOCK: %s", path, errstr(errno));
        close(lfd);
        close(dfd);
        return SANTA_UNAVAILABLE;
    }
    /* The pid is for the operator who finds the lock held; the lock itself is
     * the flock, which the kernel releases when the process dies. */
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(lfd, 0) != 0 || pwrite(lfd, pid, (size_t)len, 0) != len)
        santa_log(SANTA_LOG_WARN, "store csv: could not write pid to %s/LOCK", path);
    *dirfd = dfd;
    *lockfd = lfd;
    return SANTA_OK;
}
