package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.Pem;

/** Errors a user sees: one line saying what, where (absolute path) and why; usage errors point at --help. */
class CliErrorsTest {
    @TempDir
    Path dir;

    private static CheckConfigAgreesWithServeTest.Run run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void aUsageErrorIsOneLineAndHowToGetHelpNotTheWholeHelp() {
        var r = run("sign", "--key", "k.pem");
        assertEquals(2, r.code());
        String[] lines = r.err().strip().split("\n");
        assertEquals(2, lines.length, r.err());
        assertTrue(lines[0].startsWith("stirshield sign: Missing required options: "), r.err());
        assertEquals("Try 'stirshield sign --help' for more information.", lines[1]);
        assertFalse(r.err().contains("Usage:"), r.err());

        r = run("check-confg", "x.yaml");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Did you mean: stirshield check-config"), r.err());
        assertTrue(r.err().contains("Try 'stirshield --help' for more information."), r.err());
        assertFalse(r.err().contains("Usage:"), r.err());

        r = run("serve", "--listne", "127.0.0.1:1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Unknown options: '--listne'") && r.err().contains("Possible solutions: --listen"), r.err());
    }

    @Test
    void signValidatesItsInputs() throws Exception {
        Path key = dir.resolve("key.pem");
        var leaf = CertificateAuthority.root("CLI Test Root").issueLeaf(LeafSpec.spc("1234"));
        Files.writeString(key, Pem.privateKey(leaf.privateKey()));
        String[] ok = {"sign", "--key", key.toString(), "--x5u", "https://cert.example/sti.pem", "--orig", "+1 202 555 0123",
            "--dest", "12155550100"};
        var good = run(ok);
        assertEquals(0, good.code(), good.err());
        assertTrue(good.out().contains(";info=<https://cert.example/sti.pem>"), good.out());

        var r = run("sign", "--key", key.toString(), "--x5u", "https://cert.example/sti.pem", "--orig", "abc", "--dest", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("stirshield sign: --orig 'abc': not a telephone number"), r.err());
        r = run("sign", "--key", key.toString(), "--x5u", "https://cert.example/sti.pem", "--orig", "1", "--dest",
                "12155550100,x", "--attest", "A");
        assertTrue(r.code() == 2 && r.err().contains("--dest 'x': not a telephone number"), r.err());
        r = run("sign", "--key", key.toString(), "--x5u", "https://cert.example/sti.pem", "--orig", "1", "--dest", "2",
                "--attest", "D");
        assertTrue(r.code() == 2 && r.err().contains("--attest 'D': the attestation level is A, B or C"), r.err());
        r = run("sign", "--key", key.toString(), "--x5u", "http://cert.example/sti.pem", "--orig", "1", "--dest", "2");
        assertTrue(r.code() == 2 && r.err().contains("--x5u 'http://cert.example/sti.pem': must be an https URL"), r.err());

        r = run("sign", "--key", "missing.pem", "--x5u", "https://c.example/a.pem", "--orig", "1", "--dest", "2");
        assertEquals(2, r.code());
        assertEquals("stirshield sign: --key " + Path.of("missing.pem").toAbsolutePath() + ": cannot read: no such file",
                r.err().strip());

        var rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        Path rsaKey = dir.resolve("rsa.pem");
        Files.writeString(rsaKey, Pem.privateKey(rsa.generateKeyPair().getPrivate()));
        r = run("sign", "--key", rsaKey.toString(), "--x5u", "https://c.example/a.pem", "--orig", "1", "--dest", "2");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--key " + rsaKey + ": a RSA key; ES256 (RFC 8588) needs an EC P-256 key"), r.err());
        Path notKey = dir.resolve("cert.pem");
        Files.writeString(notKey, leaf.chainPem());
        r = run("sign", "--key", notKey.toString(), "--x5u", "https://c.example/a.pem", "--orig", "1", "--dest", "2");
        assertTrue(r.code() == 2 && r.err().contains("--key " + notKey + ": not a PEM private key"), r.err());
    }

    /** A file named on the command line that cannot be read: one line, the option, the absolute path, why. */
    @Test
    void aMissingFileIsNamedByOptionAbsolutePathAndWhy() throws Exception {
        String noFile = ": no such file or directory";
        var r = run("verify", "--orig", "1", "--dest", "2", "--crl", "nocrl.der");
        assertEquals(2, r.code());
        assertEquals("stirshield verify: --crl " + abs("nocrl.der") + noFile, r.err().strip());

        r = run("verify", "--orig", "1", "--dest", "2", "--trust", "nodir");
        assertEquals(2, r.code());
        assertEquals("stirshield verify: --trust " + abs("nodir") + noFile, r.err().strip());

        r = run("verify", "--orig", "1", "--dest", "2", "--x5u", "https://cert.example/a.pem=nofile.pem");
        assertEquals(2, r.code());
        assertEquals("stirshield verify: --x5u https://cert.example/a.pem=" + abs("nofile.pem") + noFile,
                r.err().strip());

        r = run("verify", "--orig", "1", "--dest", "2", "--content", "https://cert.example/logo.png=" + dir);
        assertEquals(2, r.code());
        assertEquals("stirshield verify: --content https://cert.example/logo.png=" + dir
                + ": is a directory, not a file", r.err().strip());

        // a CRL that exists but is not one: named by its absolute path too
        Files.writeString(dir.resolve("bad.crl"), "not a CRL");
        r = run("verify", "--orig", "1", "--dest", "2", "--crl", dir.resolve("bad.crl").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().strip().startsWith("stirshield verify: ") && r.err().contains(dir.resolve("bad.crl").toString())
                && !r.err().contains("\n" + "Try") && r.err().strip().split("\n").length == 1, r.err());

        Path key = dir.resolve("key.pem");
        Files.writeString(key, Pem.privateKey(CertificateAuthority.root("CLI Test Root").issueLeaf(LeafSpec.spc("1234"))
                .privateKey()));
        String[] sign = {"sign", "--key", key.toString(), "--x5u", "https://c.example/a.pem", "--orig", "1", "--dest",
            "2"};
        r = run(concat(sign, "--rcd-jcd", "nojcd.json"));
        assertEquals(2, r.code());
        assertEquals("stirshield sign: --rcd-jcd " + abs("nojcd.json") + noFile, r.err().strip());
        r = run(concat(sign, "--rcd-name", "Example", "--rcdi", "/icn=noicon.png"));
        assertEquals(2, r.code());
        assertEquals("stirshield sign: --rcdi /icn=" + abs("noicon.png") + noFile, r.err().strip());

        r = run("report", "noaudit.jsonl");
        assertEquals(2, r.code(), "the exit status its help gives for a FILE that does not exist");
        assertEquals("stirshield report: " + abs("noaudit.jsonl") + noFile, r.err().strip());
        assertTrue(run("report", "--help").out().replaceAll("\\s+", " ")
                .contains("2 usage error, or a FILE that does not exist or cannot be opened"));
        for (var any : new String[] {r.err()}) {
            assertFalse(any.contains("Exception") || any.contains("\tat "), any);
        }
    }

    private static String abs(String relative) {
        return Path.of(relative).toAbsolutePath().normalize().toString();
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** {@code serve --audit} names the option, not the configuration file's audit.file line. */
    @Test
    void serveBlamesTheAuditOptionNotTheConfigurationFile() throws Exception {
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, "audit:\n  file: " + dir.resolve("audit.jsonl") + "\n");
        var r = run("serve", "--config", config.toString(), "--audit", "/nonexistent-dir/a.jsonl");
        assertEquals(2, r.code());
        assertEquals("stirshield serve: --audit: /nonexistent-dir/a.jsonl: the directory /nonexistent-dir does not exist",
                r.err().strip());
    }

    @Test
    void serveNamesTheAbsolutePathAndWhy() {
        var r = run("serve", "--config", "/nonexistent.yaml");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("stirshield serve: /nonexistent.yaml: cannot read the configuration file: no such "
                + "file or directory"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }
}
