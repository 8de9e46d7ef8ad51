/*
 * process.c - process metrics from /proc/self/stat, /proc/self/fd and
 * /proc/stat's btime, as the Prometheus client libraries define them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instrument/process.h"

static double boot_time(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return 0;
    char line[256];
    double bt = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "btime ", 6) == 0) {
            bt = strtod(line + 6, NULL);
            break;
        }
    fclose(f);
    return bt;
}

static uint64_t count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return 0;
    uint64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n > 0 ? n - 1 : 0; /* not counting the directory's own descriptor */
}

bool inst_process_read(struct inst_process_stats *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen("/proc/self/stat", "r");
    if (f == NULL)
        return false;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the command name may hold spaces and parentheses: fields start after the last ')' */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return false;
    p += 2;
    unsigned long utime = 0, stime = 0, vsize = 0;
    long threads = 0, rss = 0;
    unsigned long long start = 0;
    /* fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
       utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss */
    int got = sscanf(p,
                     "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %ld "
                     "%*d %llu %lu %ld",
                     &utime, &stime, &threads, &start, &vsize, &rss);
    if (got != 6)
        return false;
    double hz = (double)sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    out->cpu_seconds = (double)(utime + stime) / hz;
    out->resident_bytes = (uint64_t)rss * (uint64_t)page;
    out->threads = (uint64_t)threads;
    out->start_time_seconds = boot_time() + (double)start / hz;
    out->open_fds = count_fds();
    return true;
}
