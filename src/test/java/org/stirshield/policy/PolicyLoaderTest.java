package org.stirshield.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML + CSV loading: formats, normalization, and file:line errors. */
class PolicyLoaderTest {
    private static final String HEAD = """
            policies:
              strict: {min_attest: A}
              inbound: {inbound_only: true}
            """;

    @TempDir
    Path dir;

    private PolicyException refused(String yaml) {
        Path p = TestCalls.write(dir, "bad.yaml", yaml);
        return assertThrows(PolicyException.class, () -> PolicyLoader.load(p));
    }

    @Test
    void csvEntriesAreLoadedRelativeToTheYamlFile() throws Exception {
        Path sub = dir.resolve("lists");
        java.nio.file.Files.createDirectories(sub);
        TestCalls.write(sub, "numbers.csv", """
                number_or_prefix,agency,policy
                # a comment

                +52 55 3686 5100,"SRE, Mexico",strict
                +86 400*,400 service,inbound
                "+1 555 010 0000..+1 555 010 0099",Range Agency,strict
                """);
        Policy p = PolicyLoader.load(TestCalls.write(dir, "policy.yaml", HEAD + "csv: [lists/numbers.csv]\n"));
        assertEquals(new ProtectedMatch("525536865100", "SRE, Mexico", "strict"), p.lookup("525536865100"));
        assertEquals("inbound", p.lookup("864001234").policy());
        assertEquals("Range Agency", p.lookup("15550100050").agency());
        assertEquals(3, p.size());
        assertEquals(2, p.sources().size());
    }

    @Test
    void aBadCsvLineIsRefusedWithCsvFileAndLine() {
        TestCalls.write(dir, "n.csv", """
                number_or_prefix,agency,policy
                +52 55 3686 5100,SRE,strict
                +52 55 36X6 5101,SRE,strict
                """);
        PolicyException e = refused(HEAD + "csv: n.csv\n");
        assertTrue(e.file().endsWith("n.csv"), e.file());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("n.csv:3: not an E.164 number"), e.getMessage());
    }

    @Test
    void csvErrorsNameLineForUnknownPolicyMissingFieldsAndQuotes() {
        TestCalls.write(dir, "n.csv", "+525536865100,SRE,nosuch\n");
        assertEquals(1, refused(HEAD + "csv: n.csv\n").line());
        TestCalls.write(dir, "n.csv", "+525536865100,SRE,strict\n+525536865101,SRE\n");
        assertTrue(refused(HEAD + "csv: n.csv\n").getMessage().contains("n.csv:2: expected 3 fields"));
        TestCalls.write(dir, "n.csv", "+525536865100,\"SRE,strict\n");
        assertTrue(refused(HEAD + "csv: n.csv\n").getMessage().contains("n.csv:1: unterminated quoted field"));
        TestCalls.write(dir, "n.csv", "+525536865100,,strict\n");
        assertTrue(refused(HEAD + "csv: n.csv\n").getMessage().contains("n.csv:1: missing agency"));
    }

    @Test
    void missingCsvIsReportedAtTheYamlLineReferencingIt() {
        PolicyException e = refused(HEAD + "csv:\n  - nothere.csv\n");
        assertTrue(e.file().endsWith("bad.yaml"));
        assertEquals(5, e.line());
        assertTrue(e.reason().contains("csv file not found"), e.reason());
    }

    @Test
    void yamlErrorsCarryTheLineOfTheOffendingKey() {
        PolicyException e = refused(HEAD + "protected:\n  - number: \"+52 55\"\n    agency: A\n    policy: strcit\n");
        assertEquals(5, e.line());
        assertTrue(e.reason().contains("unknown policy 'strcit'"), e.reason());

        e = refused("policies:\n  strict:\n    min_attest: A\n    on_falure: reject\n");
        assertEquals(4, e.line());
        assertTrue(e.reason().contains("unknown key 'on_falure'"), e.reason());

        e = refused("policies:\n  strict:\n    on_failure: block\n");
        assertEquals(3, e.line());

        e = refused("policies:\n  strict:\n    min_attest: D\n");
        assertEquals(3, e.line());

        e = refused("policies:\n  s: {}\npolicies:\n  t: {}\n");
        assertEquals(3, e.line());
        assertTrue(e.reason().contains("duplicate key"), e.reason());

        e = refused("policies: [unclosed\n");
        assertTrue(e.reason().startsWith("invalid YAML"), e.reason());

        e = refused(HEAD + "protected:\n  - {number: \"1\", prefix: \"2\", agency: A, policy: strict}\n");
        assertEquals(5, e.line());
        assertTrue(e.reason().contains("exactly one of"), e.reason());

        e = refused(HEAD + "protected:\n  - {range: \"100..99\", agency: A, policy: strict}\n");
        assertTrue(e.reason().contains("same number of digits"), e.reason());

        e = refused("policies:\n  s:\n    allowed_signers: {fingerprints: [\"AB:CD\"]}\n");
        assertEquals(3, e.line());
        assertTrue(e.reason().contains("SHA-256"), e.reason());

        e = refused("policies:\n  s:\n    deny_trunks: [a]\n    allow_trunks: [a]\n");
        assertTrue(e.reason().contains("both deny_trunks and allow_trunks"), e.reason());

        e = refused("");
        assertTrue(e.reason().startsWith("empty policy file"), e.reason());

        e = refused("reject_sip_code: 200\n");
        assertEquals(1, e.line());
    }

    @Test
    void missingPolicyFileIsAClearError() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(dir.resolve("none.yaml")));
        assertEquals("file not found", e.reason());
    }

    @Test
    void numbersAreNormalizedToDigitsAndShortCodesCoverBothForms() throws Exception {
        Policy p = PolicyLoader.load(TestCalls.write(dir, "p.yaml", HEAD + """
                protected:
                  - {number: "+52 (55) 3686-5100", agency: SRE, policy: strict}
                  - {number: 861012308, agency: Hotline, policy: inbound}
                  - {short_code: "156", country_code: "+84", agency: VN156, policy: inbound}
                  - {short_code: "12308", agency: Bare, policy: inbound}
                  - {range: ["+1 555 0100 000", "+1 555 0100 099"], agency: R, policy: strict}
                  - {entry: "+86 400*", agency: F, policy: inbound}
                """));
        assertEquals("SRE", p.lookup("525536865100").agency());
        assertEquals("Hotline", p.lookup("861012308").agency());
        assertEquals("VN156", p.lookup("156").agency());
        assertEquals("VN156", p.lookup("84156").agency());
        assertEquals("Bare", p.lookup("12308").agency());
        assertNull(p.lookup("8612308"), "a short code without country_code matches only its bare form");
        assertEquals("R", p.lookup("15550100050").agency());
        assertEquals("F", p.lookup("864001").agency());
    }

    @Test
    void shippedExampleAndEmbeddedPoliciesLoad() throws Exception {
        Policy p = PolicyLoader.load(Path.of("asterisk-conf/policy.yaml"));
        assertNotNull(p.lookup("525536865100"));
        assertEquals("SRE Mexico", p.lookup("525536865042").agency(), "range from policy-numbers.csv");
        assertTrue(PolicyLoader.loadEmbedded().size() > 5);
    }
}
