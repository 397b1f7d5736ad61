import Foundation

/// Runs a command and reports its peak resident memory. A child spawned straight from the test process
/// cannot say: posix_spawn shares the test's memory until exec, and the kernel carries that high-water
/// mark across exec into the child's ru_maxrss. So a small static program forks (a fresh accounting),
/// execs the command, and writes the command's own ru_maxrss (KiB) from wait4 to a file.
enum PeakMemory {
    static let source = #"""
        #define _GNU_SOURCE
        #include <signal.h>
        #include <stdio.h>
        #include <sys/prctl.h>
        #include <sys/resource.h>
        #include <sys/wait.h>
        #include <unistd.h>

        /* peak-rss OUT COMMAND ARGS...: run COMMAND, write its peak RSS in KiB to OUT, exit as it did. */
        int main(int argc, char **argv) {
            if (argc < 3) { fprintf(stderr, "usage: peak-rss OUT COMMAND ARGS...\n"); return 2; }
            pid_t pid = fork();
            if (pid < 0) { perror("fork"); return 2; }
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);  /* killed with us on a test's timeout */
                execv(argv[2], argv + 2);
                perror("execv");
                _exit(127);
            }
            int status = 0;
            struct rusage usage;
            while (wait4(pid, &status, 0, &usage) < 0) {}
            FILE *out = fopen(argv[1], "w");
            if (out) { fprintf(out, "%ld\n", usage.ru_maxrss); fclose(out); }
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            return 128 + WTERMSIG(status);
        }
        """#

    /// Compile the helper into `directory`; the binary's path.
    static func build(in directory: String) throws -> String {
        try StaticHelper.build("peak-rss", source: source, in: directory)
    }
}
