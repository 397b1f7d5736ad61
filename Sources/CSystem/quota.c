#include "csystem_quota.h"

#include <errno.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

int csys_project_id_get(int fd, uint32_t *projid, int *inherit) {
    struct fsxattr fsx;
    memset(&fsx, 0, sizeof fsx);
    if (ioctl(fd, FS_IOC_FSGETXATTR, &fsx) != 0) return -1;
    *projid = fsx.fsx_projid;
    *inherit = (fsx.fsx_xflags & FS_XFLAG_PROJINHERIT) != 0;
    return 0;
}

int csys_project_id_set(int fd, uint32_t projid) {
    struct fsxattr fsx;
    memset(&fsx, 0, sizeof fsx);
    if (ioctl(fd, FS_IOC_FSGETXATTR, &fsx) != 0) return -1;
    fsx.fsx_projid = projid;
    fsx.fsx_xflags |= FS_XFLAG_PROJINHERIT;
    return ioctl(fd, FS_IOC_FSSETXATTR, &fsx);
}

static int project_quotactl(int fd, const char *device, int subcmd, uint32_t id, void *addr) {
    int cmd = QCMD(subcmd, PRJQUOTA);
    if (device != NULL) return (int)syscall(SYS_quotactl, cmd, device, id, addr);
    return (int)syscall(SYS_quotactl_fd, fd, cmd, id, addr);
}

int csys_project_quota_enforced(int fd, const char *device, int *enforced) {
    struct fs_quota_stat stat;
    memset(&stat, 0, sizeof stat);
    if (project_quotactl(fd, device, Q_XGETQSTAT, 0, &stat) != 0) return -1;
    *enforced = (stat.qs_flags & FS_QUOTA_PDQ_ACCT) && (stat.qs_flags & FS_QUOTA_PDQ_ENFD);
    return 0;
}

int csys_project_quota_set(int fd, const char *device, uint32_t projid, uint64_t bytes) {
    struct fs_disk_quota d;
    memset(&d, 0, sizeof d);
    d.d_version = FS_DQUOT_VERSION;
    d.d_id = projid;
    d.d_flags = FS_PROJ_QUOTA;
    d.d_fieldmask = FS_DQ_BHARD | FS_DQ_BSOFT;
    d.d_blk_hardlimit = bytes / 512;
    d.d_blk_softlimit = d.d_blk_hardlimit;
    return project_quotactl(fd, device, Q_XSETQLIM, projid, &d);
}

int csys_project_quota_get(int fd, const char *device, uint32_t projid, struct csys_project_usage *out) {
    struct fs_disk_quota d;
    memset(&d, 0, sizeof d);
    if (project_quotactl(fd, device, Q_XGETQUOTA, projid, &d) != 0) return -1;
    out->hard_limit_bytes = (uint64_t)d.d_blk_hardlimit * 512;
    out->soft_limit_bytes = (uint64_t)d.d_blk_softlimit * 512;
    out->used_bytes = (uint64_t)d.d_bcount * 512;
    out->used_inodes = d.d_icount;
    return 0;
}
