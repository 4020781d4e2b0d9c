package org.stirshield.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cli.Main;

/** {@code ./stirshield check-config FILE} through {@link Main#run}: output and exit codes. */
class CheckConfigTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void validPolicyPrintsCountsOverlapsShadowedAndDuplicates() {
        TestCalls.write(dir, "n.csv", """
                +86 10 6561 2308,Consular,hotline
                +86 10 6561 2308,Consular,hotline
                +86 10 6561 0000..+86 10 6561 9999,Ministry,strict
                +86 10 6561 1000..+86 10 6561 1099,Ministry,strict
                """);
        Path p = TestCalls.write(dir, "policy.yaml", """
                policies:
                  strict: {min_attest: A}
                  hotline: {inbound_only: true}
                  unused: {tag: "[?]"}
                protected:
                  - {prefix: "+86 10", agency: Beijing, policy: strict}
                  - {number: "+86 10 12308", agency: Consular, policy: hotline}
                csv: n.csv
                """);
        Run r = run("check-config", p.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("5 protected entries, 3 agencies, 3 policies"), r.out());
        assertTrue(r.out().matches("(?s).*\\n\\s+3\\s+Consular\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n\\s+3\\s+hotline \\[inbound_only].*"), r.out());
        assertTrue(r.out().contains("n.csv:2: duplicate entry 861065612308"), r.out());
        assertTrue(r.out().contains("policy 'unused' is not used"), r.out());
        assertTrue(r.out().contains("policy.yaml:4: tag \"[?]\" does not end in a space"), r.out());
        // the exact hotline number under the Beijing prefix and inside the Ministry range: shadowing
        assertTrue(r.out().contains("861012308 (Consular / hotline) shadows 8610* (Beijing / strict)"), r.out());
        assertTrue(r.out().contains("861065612308 (Consular / hotline) shadows 861065610000..861065619999"), r.out());
        assertTrue(r.out().contains("861065610000..861065619999 (Ministry / strict) shadows 8610* (Beijing / strict)"),
                r.out());
        assertTrue(r.out().contains("redundant: ") && r.out().contains("861065611000..861065611099 (Ministry / strict) "
                + "is already covered by 861065610000..861065619999"), r.out());
    }

    @Test
    void invalidPolicyExitsOneWithFileLineReasonOnStderr() {
        TestCalls.write(dir, "n.csv", "+525536865100,SRE,strict\nnot-a-number,SRE,strict\n");
        Path p = TestCalls.write(dir, "policy.yaml", "policies: {strict: {}}\ncsv: n.csv\n");
        Run r = run("check-config", p.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(dir.resolve("n.csv") + ":2: not an E.164 number"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void missingFileExitsOne() {
        Run r = run("check-config", dir.resolve("nope.yaml").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(dir.resolve("nope.yaml") + ": cannot read the configuration file: no such file"),
                r.err());
    }

    @Test
    void stirshieldYamlIsCheckedWholeWithItsPolicyFile() throws Exception {
        Path conf = dir.resolve("conf");
        java.nio.file.Files.createDirectories(conf.resolve("trust"));
        java.nio.file.Files.writeString(conf.resolve("trust/root.pem"), org.stirshield.sign.Pem.certificate(
                org.stirshield.sign.CertificateAuthority.root("Check Config Test Root").certificate()));
        TestCalls.write(conf, "policy.yaml", "policies: {s: {}}\nprotected: [{number: \"+1 555 0100 000\", "
                + "agency: A, policy: s}]\n");
        // relative paths resolve against the configuration file's directory, whatever the working directory
        Path main = TestCalls.write(conf, "stirshield.yaml", "server: {listen: 127.0.0.1:4573}\n"
                + "verification: {trust_dir: trust}\npolicy:\n  file: policy.yaml\n  watch: false\n"
                + "audit: {file: audit.jsonl}\n");
        Run r = run("check-config", main.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("OK " + main), r.out());
        assertTrue(r.out().matches("(?s).*policy\\.file\\s+" + java.util.regex.Pattern.quote(
                conf.resolve("policy.yaml").toString()) + "\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*verification\\.trust_dir\\s+" + java.util.regex.Pattern.quote(
                conf.resolve("trust").toString()) + " \\(1 certificate.*"), r.out());
        assertTrue(r.out().matches("(?s).*audit\\.file\\s+" + java.util.regex.Pattern.quote(
                conf.resolve("audit.jsonl").toString()) + "\n.*"), r.out());
        assertTrue(r.out().contains("1 protected entries"), r.out());

        TestCalls.write(conf, "policy.yaml", "policies: {s: {}}\nprotected: [{number: \"x\", agency: A, policy: s}]\n");
        Run bad = run("check-config", main.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains(conf.resolve("policy.yaml") + ":2:"), bad.err());

        Path noFile = TestCalls.write(conf, "other.yaml", "verification: {trust_dir: trust}\npolicy:\n  watch: true\n");
        Run none = run("check-config", noFile.toString());
        assertEquals(0, none.code(), none.err());
        assertTrue(none.out().contains("warning: policy: no policy file: no number is protected"), none.out());

        Path example = TestCalls.write(conf, "example.yaml", "verification: {trust_dir: trust}\npolicy: {file: example}\n");
        Run ex = run("check-config", example.toString());
        assertEquals(0, ex.code(), ex.err());
        assertTrue(ex.out().contains("classpath:org/stirshield/policy/default-policy.yaml"), ex.out());
    }

    @Test
    void shippedExamplePolicyIsValid() {
        Run r = run("check-config", "asterisk-conf/policy.yaml");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("OK "), r.out());
    }
}
