package org.stirshield.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Linux /proc: which process listens on a TCP port of this machine (to read its CPU time); this process's CPUs. */
final class ProcFs {
    private ProcFs() {
    }

    /** The process listening on {@code address}'s port, when it runs on this machine and may be inspected. */
    static Optional<Long> listeningPid(InetSocketAddress address) {
        String port = String.format(Locale.ROOT, ":%04X", address.getPort());
        String inode = null;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[1].endsWith(port) && f[3].equals("0A")) { // 0A: LISTEN
                        inode = f[9];
                        break;
                    }
                }
            } catch (IOException e) {
                return Optional.empty();
            }
            if (inode != null) {
                break;
            }
        }
        if (inode == null) {
            return Optional.empty();
        }
        String target = "socket:[" + inode + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        if (target.equals(Files.readSymbolicLink(fd).toString())) {
                            return Optional.of(Long.parseLong(proc.getFileName().toString()));
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // another user's process, or gone
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The CPUs this process may run on ({@code Cpus_allowed_list} of /proc/self/status), or "any" elsewhere. */
    static String cpusAllowed() {
        return cpusAllowed("self");
    }

    /** The CPUs process {@code pid} may run on, or "any" where that cannot be read. */
    static String cpusAllowed(long pid) {
        return cpusAllowed(Long.toString(pid));
    }

    private static String cpusAllowed(String process) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", process, "status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return "any";
    }
}
