// Project quotas (what Docker's overlay2 uses for --storage-opt size=): a directory's project ID through
// FS_IOC_FSGETXATTR/FS_IOC_FSSETXATTR, and a project's block limit through quotactl's XFS interface,
// which ext4 answers too. The structs stay in C; Swift gets plain numbers.
#ifndef CSYSTEM_QUOTA_H
#define CSYSTEM_QUOTA_H

#include <stdint.h>

/// The project ID of the open file `fd` and whether it has FS_XFLAG_PROJINHERIT. 0, or -1 with errno.
int csys_project_id_get(int fd, uint32_t *projid, int *inherit);

/// Give the open directory `fd` project `projid` with FS_XFLAG_PROJINHERIT (what is made under it gets
/// the same project). 0, or -1 with errno (EOPNOTSUPP on a filesystem without project IDs).
int csys_project_id_set(int fd, uint32_t projid);

/// A project's quota as quotactl's XFS interface reports it, in bytes and inodes.
struct csys_project_usage {
    uint64_t hard_limit_bytes;
    uint64_t soft_limit_bytes;
    uint64_t used_bytes;
    uint64_t used_inodes;
};

/// The quotactl calls below go through quotactl_fd(2) on `fd` (any open file of the filesystem) when
/// `device` is NULL, else through quotactl(2) on the block device node `device` (kernels before 5.14).

/// Whether project quotas are accounted and enforced on the filesystem: *enforced = 1 when both.
/// 0, or -1 with errno (ENOSYS without quotactl_fd; ENOTTY, EINVAL, ENOSYS where quotas are not built).
int csys_project_quota_enforced(int fd, const char *device, int *enforced);

/// Set project `projid`'s block hard and soft limit to `bytes` (rounded down to 512-byte units; 0 clears
/// the limit). 0, or -1 with errno.
int csys_project_quota_set(int fd, const char *device, uint32_t projid, uint64_t bytes);

/// Read project `projid`'s limits and usage. 0, or -1 with errno (ENOENT or ESRCH: no such project).
int csys_project_quota_get(int fd, const char *device, uint32_t projid, struct csys_project_usage *out);

#endif
