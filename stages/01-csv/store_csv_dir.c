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

#include "santa/log.h"

static const char *errstr(int e)
{
    const char *s = strerrordesc_np(e);
    return s ? s : "unknown error";
}

/* fsync the directory that holds `path` so a freshly made entry survives a
 * power cut (a new name lives in its parent's data). */
static int fsync_parent(const char *path)
{
    char parent[4096];
    size_t n = strlen(path);
    if (n >= sizeof parent)
        return -1;
    memcpy(parent, path, n + 1);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* mkdir -p, one component at a time. */
static int mkdir_p(const char *path, char *err, size_t errlen)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        snprintf(err, errlen, "data directory path is empty or too long");
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) == 0) {
            santa_log(SANTA_LOG_INFO, "store csv: created directory %s", buf);
            if (fsync_parent(buf) != 0) {
                snprintf(err, errlen, "fsync parent of %s: %s", buf, errstr(errno));
                return -1;
            }
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "create directory %s: %s", buf, errstr(errno));
            return -1;
        }
        buf[i] = saved;
    }
    return 0;
}

enum santa_status csv_store_dir_open(const char *path, int *dirfd, int *lockfd, char *err,
                                     size_t errlen)
{
    *dirfd = -1;
    *lockfd = -1;
    if (!path || mkdir_p(path, err, errlen) != 0) {
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
