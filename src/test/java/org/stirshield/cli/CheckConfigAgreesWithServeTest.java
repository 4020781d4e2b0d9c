package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.Pem;

/**
 * What check-config accepts, serve starts with; what serve refuses, check-config refuses: one set of broken
 * configurations through both, {@code serve} as a real process on a free port. Each error names the absolute
 * path, the line where there is one, and why.
 */
class CheckConfigAgreesWithServeTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run checkConfig(Path file) {
        return CliRun.run("check-config", file.toString());
    }

    /** serve as a real process, started. */
    static Process startServe(Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.stirshield.cli.Main",
                "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Its exit code when it stops by itself, or null once it listens (then it is stopped). */
    static Integer outcome(Process p, Path log) throws Exception {
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < end) {
                if (p.waitFor(20, TimeUnit.MILLISECONDS)) {
                    return p.exitValue();
                }
                if (Files.readString(log).contains("listening on")) {
                    return null;
                }
            }
            fail("serve neither started nor stopped: " + Files.readString(log));
            return -1;
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    static Integer serve(Path config, Path log) throws Exception {
        return outcome(startServe(config, log), log);
    }

    private int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A configuration that works: trust root, policy, audit file, all beside it; plus {@code extra} lines. */
    private Path config(String name, String extra) throws IOException {
        Path conf = dir.resolve(name);
        Files.createDirectories(conf.resolve("trust"));
        Files.writeString(conf.resolve("trust/root.pem"), Pem.certificate(CertificateAuthority.root("Agreement Test Root")
                .certificate()));
        Files.writeString(conf.resolve("policy.yaml"), "policies: {p: {}}\nprotected: [{number: \"+1 202 555 0100\", "
                + "agency: A, policy: p}]\n");
        Path f = conf.resolve("stirshield.yaml");
        Files.writeString(f, "server:\n  listen: 127.0.0.1:" + freePort() + "\nverification:\n  trust_dir: trust\n"
                + "policy:\n  file: policy.yaml\n  watch: false\naudit:\n  file: audit.jsonl\nmetrics:\n  enabled: false\n"
                + extra);
        return f;
    }

    @Test
    void oneSetOfBrokenFilesIsRefusedByBothWithTheSameReason() throws Exception {
        Map<String, String> broken = new LinkedHashMap<>(); // extra YAML -> what the error must say
        broken.put("server2:\n  x: 1\n", "unknown key 'server2' (did you mean 'server'?)");
        broken.put("signing:\n  key_file: sti.pem\n  atest: A\n", ":14: unknown key 'signing.atest' (did you mean "
                + "'signing.attest'?)");
        broken.put("certificates:\n  connect_timeout: 1 second\n", ":13: certificates.connect_timeout: not a duration");
        broken.put("certificates:\n  cache:\n    min_ttl: 2d\n    max_ttl: 1d\n", ":15: certificates.cache.max_ttl is "
                + "shorter than min_ttl");
        broken.put("certificates:\n  pinned:\n    \"http://cert.example/a.pem\": pins/a.pem\n", "pins/a.pem: cannot read: "
                + "no such file");
        broken.put("certificates:\n  tls_ca_file: ca.pem\n", "certificates.tls_ca_file: %DIR%/ca.pem: cannot read: no "
                + "such file");
        broken.put("signing:\n  key_file: sti.pem\n  x5u: http://cert.example/sti.pem\n", ":14: signing.x5u: an https "
                + "URL is required");
        broken.put("signing:\n  key_file: sti.pem\n  x5u: https://cert.example/sti.pem\n", "signing.key_file "
                + "%DIR%/sti.pem: cannot read: no such file");
        List<String> failures = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Process> serves = new ArrayList<>();
        for (String extra : broken.keySet()) { // all serve processes at once: the JVM start-ups overlap
            Path f = config("broken" + files.size(), extra);
            files.add(f);
            serves.add(startServe(f, f.resolveSibling("serve.log")));
        }
        int i = 0;
        for (Map.Entry<String, String> b : broken.entrySet()) {
            Path f = files.get(i);
            String want = b.getValue().replace("%DIR%", f.getParent().toString());
            Run check = checkConfig(f);
            Path log = f.resolveSibling("serve.log");
            Integer serveExit = outcome(serves.get(i++), log);
            String served = Files.readString(log);
            if (check.code() != 1 || !check.err().contains(want)) {
                failures.add("check-config " + b.getKey() + " -> " + check.code() + " " + check.err());
            }
            if (serveExit == null || serveExit != 2 || !served.contains(want)) {
                failures.add("serve " + b.getKey() + " -> " + serveExit + " " + served);
            }
            if (!check.err().contains(f.getParent().toString())) {
                failures.add("no absolute path in: " + check.err());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
    }

    @Test
    void brokenPolicyFilesAndMissingFilesAreRefusedByBoth() throws Exception {
        Path f = config("policy", "");
        Files.writeString(f.resolveSibling("policy.yaml"), "policies: {p: {min_atest: A}}\n");
        Run check = checkConfig(f);
        assertEquals(1, check.code());
        String want = f.resolveSibling("policy.yaml") + ":1: policy 'p': unknown key 'min_atest' (did you mean "
                + "'min_attest'?";
        assertTrue(check.err().contains(want), check.err());
        Path log = f.resolveSibling("serve.log");
        assertEquals(2, serve(f, log));
        assertTrue(Files.readString(log).contains(want), Files.readString(log));

        Files.delete(f.resolveSibling("policy.yaml"));
        check = checkConfig(f);
        assertEquals(1, check.code());
        assertTrue(check.err().contains(f.resolveSibling("policy.yaml") + ": policy: file not found"), check.err());
        assertEquals(2, serve(f, log));
        assertTrue(Files.readString(log).contains(f.resolveSibling("policy.yaml") + ": policy: file not found"));

        Path audit = config("audit", "").resolveSibling("stirshield.yaml");
        Files.writeString(audit, Files.readString(audit).replace("file: audit.jsonl", "file: no/such/dir/audit.jsonl"));
        check = checkConfig(audit);
        assertEquals(1, check.code());
        assertTrue(check.err().contains("audit.file: " + audit.resolveSibling("no/such/dir/audit.jsonl")
                + ": the directory " + audit.resolveSibling("no/such/dir") + " does not exist"), check.err());
        assertEquals(2, serve(audit, log));
    }

    @Test
    void whatCheckConfigAcceptsServeStartsWith() throws Exception {
        Path f = config("good", "");
        Run check = checkConfig(f);
        assertEquals(0, check.code(), check.err());
        Path log = f.resolveSibling("serve.log");
        assertEquals(null, serve(f, log), () -> "serve refused what check-config accepted: " + read(log));
        // The one thing check-config is stricter about: no usable STI-CA root. serve starts (it can verify and
        // report, never pass a signed call) and warns; check-config refuses.
        Files.delete(f.resolveSibling("trust/root.pem"));
        check = checkConfig(f);
        assertEquals(1, check.code());
        assertTrue(check.err().contains("verification.trust_dir: " + f.resolveSibling("trust") + " holds no STI-CA root"),
                check.err());
        assertEquals(null, serve(f, log));
        assertTrue(read(log).contains("holds no STI-CA root"), read(log));
        assertFalse(read(log).contains("\tat "), "no stack trace");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
