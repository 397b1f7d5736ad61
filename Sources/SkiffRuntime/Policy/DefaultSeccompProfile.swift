// Docker's default seccomp profile as a LinuxSeccomp value. Source: moby/profiles seccomp/default.json and
// default_linux.go at commit 02e898b137aed1024e232d59bcb05e6179b72177 (the profile of Docker 29, after
// CVE-2026-31431): no io_uring (moby#46762, Docker 25 / containerd 2), socket(2) only for the address
// families Linux still implements minus AF_ALG and AF_VSOCK. Tests/Fixtures/moby-seccomp-default.txt holds
// those names, and DefaultSeccompProfileTests compares this file against it, so drift is caught.
//
// Like Docker, the profile is an allowlist: every syscall not named returns EPERM. Blocks tied to a
// capability are added only when the container has that capability, so `--cap-add SYS_ADMIN` also
// opens mount, unshare, setns and friends. One deliberate difference from Docker: Docker allows ptrace,
// process_vm_readv and process_vm_writev on kernels >= 4.8 without CAP_SYS_PTRACE; Skiff keeps them in
// the CAP_SYS_PTRACE block only.

import SkiffOCI

public enum DefaultSeccompProfile {
    /// The architecture a profile is made for; decides `architectures` and the arch-only blocks.
    public enum Architecture: Sendable, Equatable {
        case x86_64
        case aarch64
        case other

        #if arch(x86_64)
        public static let native = Architecture.x86_64
        #elseif arch(arm64)
        public static let native = Architecture.aarch64
        #else
        public static let native = Architecture.other
        #endif

        /// The native architecture and the ones its kernel also runs (Docker's archMap).
        public var seccompArchitectures: [String]? {
            switch self {
            case .x86_64: return ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
            case .aarch64: return ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
            case .other: return nil
            }
        }
    }

    /// EPERM: what every syscall outside the allowlist returns.
    public static let defaultErrno: UInt32 = 1
    /// ENOSYS: what clone3 returns without CAP_SYS_ADMIN, so glibc falls back to clone.
    public static let enosys: UInt32 = 38
    /// CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP.
    public static let cloneNamespaceFlags: UInt64 = 0x7E02_0000
    /// The address families socket(2) may create: those Linux implements (include/linux/socket.h), less
    /// AF_ALG (38: the kernel crypto API, CVE-2026-31431) and AF_VSOCK (40: host/guest sockets, global
    /// across network namespaces). Gone from the kernel, so left out too: DECnet 12, ECONET 19, ATMSVC 20,
    /// IRDA 23, WANPIPE 25, ISDN 34, CAIF 37. socketcall(2) stays allowed, as in Docker: its arguments
    /// are behind a pointer a filter cannot read, so on 32-bit ABIs this list is advisory.
    public static let socketDomains: [UInt64] = [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 21, 22, 24, 26, 27, 28, 29, 30, 31, 32, 33,
        35, 36, 39, 41, 42, 43, 44, 45,
    ]

    /// Allowed for every container.
    public static let allowed: [String] = [
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset", "chdir",
        "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
        "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
        "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
        "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
        "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64",
        "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
        "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
        "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
        "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd",
        "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
        "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
        "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
        "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
        "getuid32", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1",
        "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
        "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "ipc", "kill",
        "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr",
        "link", "linkat", "listen", "listmount", "listxattr", "listxattrat", "llistxattr", "_llseek",
        "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack", "membarrier",
        "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2",
        "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
        "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl",
        "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
        "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
        "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64",
        "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev",
        "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
        "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "removexattrat", "rename", "renameat",
        "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
        "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
        "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
        "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
        "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
        "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
        "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid",
        "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
        "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
        "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
        "set_tid_address", "setuid", "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget",
        "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
        "splice", "stat", "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat", "sync",
        "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
        "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
        "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times",
        "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe",
        "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid",
        "write", "writev",
    ]

    /// Syscalls each capability opens, added when the container holds it (Docker's `includes.caps`).
    public static let capabilityBlocks: [(Capability, [String])] = [
        (.dacReadSearch, ["open_by_handle_at"]),
        (
            .sysAdmin,
            [
                "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
                "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount", "mount_setattr", "move_mount",
                "open_tree", "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns",
                "syslog", "umount", "umount2", "unshare",
            ]
        ),
        (.sysBoot, ["reboot"]),
        (.sysChroot, ["chroot"]),
        (.sysModule, ["delete_module", "init_module", "finit_module"]),
        (.sysPacct, ["acct"]),
        (.sysPtrace, ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"]),
        (.sysRawio, ["iopl", "ioperm"]),
        (.sysTime, ["settimeofday", "stime", "clock_settime", "clock_settime64"]),
        (.sysTtyConfig, ["vhangup"]),
        (.sysNice, ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"]),
        (.syslog, ["syslog"]),
        (.bpf, ["bpf"]),
        (.perfmon, ["perf_event_open"]),
    ]

    /// One rule per allowed family, except that a run starting at AF_UNIX (1) becomes one "< end" rule
    /// (AF_UNSPEC, 0, creates nothing). Each rule compares arg 0 once: runc and libseccomp treat two
    /// comparisons of one argument as OR, so a bounded range cannot be one rule.
    static func socketRules(_ domains: [UInt64]) -> [LinuxSyscall] {
        let sorted = Array(Set(domains)).sorted()
        var run = 0
        if sorted.first == 1 {
            while run + 1 < sorted.count && sorted[run + 1] == sorted[run] + 1 { run += 1 }
            run += 1
        }
        func rule(_ value: UInt64, _ op: String) -> LinuxSyscall {
            LinuxSyscall(
                names: ["socket"], action: "SCMP_ACT_ALLOW", args: [LinuxSeccompArg(index: 0, value: value, op: op)])
        }
        var rules: [LinuxSyscall] = []
        if run > 1 { rules.append(rule(sorted[run - 1] + 1, "SCMP_CMP_LT")) } else { run = 0 }
        rules += sorted[run...].map { rule($0, "SCMP_CMP_EQ") }
        return rules
    }

    /// Docker's default profile for a container holding `capabilities` ("CAP_SYS_ADMIN" or "SYS_ADMIN";
    /// names this table does not know open nothing).
    public static func make(capabilities: [String], architecture: Architecture = .native) -> LinuxSeccomp {
        let caps = CapabilitySet(capabilities.compactMap { Capability(name: $0) })
        var rules: [LinuxSyscall] = [LinuxSyscall(names: allowed, action: "SCMP_ACT_ALLOW")]

        rules += socketRules(socketDomains)
        // personality(2): only the Linux personalities (PER_LINUX, PER_LINUX32, UNAME26 variants) and the
        // query 0xffffffff.
        for persona: UInt64 in [0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff] {
            rules.append(
                LinuxSyscall(
                    names: ["personality"], action: "SCMP_ACT_ALLOW",
                    args: [LinuxSeccompArg(index: 0, value: persona, op: "SCMP_CMP_EQ")]))
        }

        switch architecture {
        case .x86_64:
            rules.append(LinuxSyscall(names: ["arch_prctl"], action: "SCMP_ACT_ALLOW"))
            rules.append(LinuxSyscall(names: ["modify_ldt"], action: "SCMP_ACT_ALLOW"))
        case .aarch64:
            rules.append(
                LinuxSyscall(
                    names: [
                        "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2",
                        "breakpoint", "cacheflush", "set_tls",
                    ],
                    action: "SCMP_ACT_ALLOW"))
        case .other:
            break
        }

        for (cap, names) in capabilityBlocks where caps.contains(cap) {
            rules.append(LinuxSyscall(names: names, action: "SCMP_ACT_ALLOW"))
        }

        if !caps.contains(.sysAdmin) {
            // clone only without namespace flags: arg 0 masked with the CLONE_NEW* bits must be 0.
            rules.append(
                LinuxSyscall(
                    names: ["clone"], action: "SCMP_ACT_ALLOW",
                    args: [
                        LinuxSeccompArg(index: 0, value: cloneNamespaceFlags, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")
                    ]))
            // clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc use clone.
            rules.append(LinuxSyscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: enosys))
        }

        return LinuxSeccomp(
            defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: defaultErrno,
            architectures: architecture.seccompArchitectures, syscalls: rules)
    }
}
