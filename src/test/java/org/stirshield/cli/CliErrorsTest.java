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

    @Test
    void serveNamesTheAbsolutePathAndWhy() {
        var r = run("serve", "--config", "/nonexistent.yaml");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("stirshield serve: /nonexistent.yaml: cannot read the configuration file: no such "
                + "file or directory"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }
}
