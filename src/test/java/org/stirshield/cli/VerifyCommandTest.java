package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.testing.Fixture;
import org.stirshield.testing.TestPki;

/** {@code stirshield verify} in-process: exit codes, one JSON object on stdout, usage errors on stderr. */
class VerifyCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Fixture F = new Fixture();

    @TempDir
    static Path dir;
    static Path trust;
    static Path chain;

    record Run(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    @BeforeAll
    static void files() throws Exception {
        trust = dir.resolve("trust");
        Files.createDirectories(trust);
        Files.writeString(trust.resolve("root.pem"), TestPki.pem(F.root.cert()));
        chain = dir.resolve("chain.pem");
        Files.write(chain, F.served.get(Fixture.X5U));
    }

    static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static List<String> args(String... extra) {
        List<String> a = new ArrayList<>(List.of("verify", "--orig", "+1 215 555 0100", "--dest", "12155550199",
                "--at", Long.toString(Fixture.IAT), "--trust", trust.toString(), "--x5u", Fixture.X5U + "=" + chain));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void passPrintsOneJsonObjectAndExits0() throws Exception {
        Run r = run(args("--identity", Fixture.identity(F.token())).toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, r.out().strip().lines().count());
        JsonNode j = r.json();
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = j.fieldNames(); it.hasNext();) {
            names.add(it.next());
        }
        assertEquals(List.of("status", "attest", "sipCode", "reason", "verstat", "x5u", "origid", "spc"), names.subList(0, 8));
        assertEquals("PASS", j.get("status").asText());
        assertEquals("A", j.get("attest").asText());
        assertTrue(j.get("sipCode").isNull());
        assertEquals("verified", j.get("reason").asText());
        assertEquals("TN-Validation-Passed", j.get("verstat").asText());
        assertEquals(Fixture.X5U, j.get("x5u").asText());
        assertEquals("1234", j.get("spc").asText());
        assertEquals("12155550100", j.get("callerTn").asText());
        assertEquals(1, j.get("headers").size());
    }

    @Test
    void failExits1With438() throws Exception {
        String t = F.token(Fixture.shakenHeader(Fixture.X5U), Fixture.claims("A", "19995550000", Fixture.CALLED, Fixture.IAT));
        Run r = run(args("--identity", Fixture.identity(t)).toArray(String[]::new));
        assertEquals(1, r.exit());
        JsonNode j = r.json();
        assertEquals("FAIL", j.get("status").asText());
        assertTrue(j.get("attest").isNull());
        assertEquals(438, j.get("sipCode").asInt());
        assertEquals("orig_mismatch", j.get("reason").asText());
        assertEquals("TN-Validation-Failed", j.get("verstat").asText());
    }

    @Test
    void staleAtTimeIs403() throws Exception {
        List<String> a = args("--identity", Fixture.identity(F.token()));
        a.set(a.indexOf("--at") + 1, Long.toString(Fixture.IAT + 61));
        Run r = run(a.toArray(String[]::new));
        assertEquals(1, r.exit());
        assertEquals(403, r.json().get("sipCode").asInt());
        assertEquals("stale_iat", r.json().get("reason").asText());
    }

    @Test
    void noIdentityExits1With428() throws Exception {
        Run r = run(args().toArray(String[]::new));
        assertEquals(1, r.exit());
        assertEquals("NO_IDENTITY", r.json().get("status").asText());
        assertEquals(428, r.json().get("sipCode").asInt());
        assertEquals("missing_identity", r.json().get("reason").asText());
        assertEquals("No-TN-Validation", r.json().get("verstat").asText());
    }

    @Test
    void unpinnedUrlGoesToTheGuardedFetcher() throws Exception {
        // a loopback x5u: the fetcher's address guard refuses it before connecting (no traffic) → 436
        String url = "https://127.0.0.1:8443/c.pem";
        String t = F.token(Fixture.shakenHeader(url), Fixture.claims("A", Fixture.CALLER, Fixture.CALLED, Fixture.IAT));
        Run r = run(args("--identity", t + ";info=<" + url + ">;ppt=shaken").toArray(String[]::new));
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals(436, r.json().get("sipCode").asInt());
        assertEquals("bad_info", r.json().get("reason").asText());
    }

    @Test
    void garbageIdentityIsAVerdictNotAStackTrace() throws Exception {
        Run r = run(args("--identity", "\u0000\uFFFF;;==<<", "--identity", "x".repeat(20000)).toArray(String[]::new));
        assertEquals(1, r.exit());
        assertEquals("FAIL", r.json().get("status").asText());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void usageErrorsExit2WithMessageOnStderr() {
        Run missing = run("verify", "--dest", "1");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("--orig"), missing.err());
        assertEquals("", missing.out());
        for (List<String> bad : List.of(
                args("--x5u", "no-equals-sign"),
                args("--x5u", "https://a/=" + dir.resolve("missing.pem")),
                args("--trust", dir.resolve("nope").toString()),
                args("--region", "XX"),
                args("--at", "yesterday"),
                args("--crl", dir.resolve("missing.crl").toString()))) {
            Run r = run(bad.toArray(String[]::new));
            assertEquals(2, r.exit(), bad + " → " + r.out());
            assertEquals("", r.out(), bad::toString);
            assertFalse(r.err().isBlank());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }

    @Test
    void crlFileRevokesTheLeaf() throws Exception {
        Path crl = dir.resolve("ca.crl");
        Files.write(crl, TestPki.crl(F.ca, Fixture.NOW.minusSeconds(600), Fixture.NOW.plusSeconds(86400), F.leaf.cert().getSerialNumber()).getEncoded());
        Run r = run(args("--identity", Fixture.identity(F.token()), "--crl", crl.toString()).toArray(String[]::new));
        assertEquals(1, r.exit());
        assertEquals("cert_revoked", r.json().get("reason").asText());
        assertEquals(437, r.json().get("sipCode").asInt());
    }

    @Test
    void realLumenIdentityHeaderPasses() throws Exception {
        Path pv = org.stirshield.verify.PeerVectorsTest.vectors();
        JsonNode e = null;
        for (JsonNode n : JSON.readTree(pv.resolve("MANIFEST.json").toFile())) {
            if (n.path("id").asText().equals("real-neustar-lumen-identity-header")) {
                e = n;
            }
        }
        Path lumen = dir.resolve("lumen.pem");
        Files.writeString(lumen, Files.readString(pv.resolve(e.get("cert_chain_files").get(0).asText()))
                + Files.readString(pv.resolve(e.get("cert_chain_files").get(1).asText())));
        Run r = run("verify", "--orig", "94716866386", "--dest", "+1 956 304 6048", "--identity", e.get("identity_header").asText(),
                "--at", "1651056041", "--trust", pv.resolve(e.get("trust_anchor_files").get(0).asText()).toString(),
                "--x5u", "https://cr.ccid.neustar.biz/ccid/authn/v2/certs/11001.10012=" + lumen);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals("C", r.json().get("attest").asText());
        assertEquals("8826", r.json().get("spc").asText());
    }
}
