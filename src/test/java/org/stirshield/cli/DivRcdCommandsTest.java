package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab workflow for forwarded and branded calls, through the CLI as a user runs it: {@code demo-pki}
 * makes the agency's and a forwarding carrier's certificates and sample RCD content, {@code sign} makes
 * the SHAKEN, div and rcd PASSporTs (with rcdi), {@code verify} checks them with the diverting numbers,
 * several P-Asserted-Identity values and the RCD content served from local files.
 */
class DivRcdCommandsTest {
    static final String AGENCY = "+12025550100";
    static final String A = "+12155550111";
    static final String B = "+12155550122";
    static final String X5U = "https://cert.agency-carrier.example/shaken.pem";
    static final String FWD_X5U = "https://cert.forwarder.example/div.pem";
    static final String RCD = "https://rcd.agency.example/";

    @TempDir
    static Path dir;
    static Path pki;

    @BeforeAll
    static void demoPki() throws Exception {
        pki = dir.resolve("pki");
        VerifyCommandTest.Run r = VerifyCommandTest.run("demo-pki", "--dir", pki.toString(), "--forwarder-tn", A,
                "--rcd-name", "Ministry of Examples", "--rcd-url", RCD);
        assertEquals(0, r.exit(), r.err());
        for (String f : List.of("trust/root.pem", "sp-chain.pem", "sp-key.pem", "fwd-chain.pem", "fwd-key.pem",
                "rcd/card.json", "rcd/logo.png")) {
            assertTrue(Files.size(pki.resolve(f)) > 0, f);
        }
        assertTrue(r.out().contains("fwd-chain.pem") && r.out().contains("rcd content"), r.out());
        assertTrue(Files.readString(pki.resolve("rcd/card.json")).contains(RCD + "logo.png"));
    }

    static String sign(String... extra) {
        List<String> a = new ArrayList<>(List.of("sign", "--key", pki.resolve("sp-key.pem").toString(), "--x5u", X5U,
                "--orig", AGENCY));
        a.addAll(List.of(extra));
        VerifyCommandTest.Run r = VerifyCommandTest.run(a.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    static JsonNode verify(int exit, String dest, String... extra) throws Exception {
        List<String> a = new ArrayList<>(List.of("verify", "--orig", AGENCY, "--dest", dest, "--trust",
                pki.resolve("trust").toString(), "--x5u", X5U + "=" + pki.resolve("sp-chain.pem"),
                "--x5u", FWD_X5U + "=" + pki.resolve("fwd-chain.pem")));
        a.addAll(List.of(extra));
        VerifyCommandTest.Run r = VerifyCommandTest.run(a.toArray(String[]::new));
        assertEquals(exit, r.exit(), r.out() + r.err());
        return r.json();
    }

    @Test
    void forwardedCallSignedAndVerifiedWithTheDivertingNumber() throws Exception {
        String shaken = sign("--dest", A, "--origid", "o-1");
        String div = VerifyCommandTest.run("sign", "--key", pki.resolve("fwd-key.pem").toString(), "--x5u", FWD_X5U,
                "--orig", AGENCY, "--dest", B, "--div", A, "--origid", "o-1").out().strip();
        assertTrue(div.endsWith(";ppt=div"), div);
        JsonNode j = verify(0, B, "--identity", shaken, "--identity", div, "--diverted-from", A);
        assertEquals("PASS", j.get("status").asText());
        assertEquals("A", j.get("attest").asText());
        JsonNode d = j.get("diversion");
        assertTrue(d.get("chained").asBoolean());
        assertEquals("12155550111", d.get("hops").get(0).get("from").asText());
        assertEquals("5678", d.get("hops").get(0).get("spc").asText());
        assertTrue(d.get("hops").get(0).get("tnAuthorized").asBoolean());
        assertEquals("Diversion", d.get("sipHeader").asText());
        // the same call without the diverting number: the chain is not backed by SIP
        JsonNode missing = verify(1, B, "--identity", shaken, "--identity", div);
        assertEquals("div_history_missing", missing.get("reason").asText());
        // with History-Info instead
        JsonNode hi = verify(0, B, "--identity", shaken, "--identity", div,
                "--history-info", "<tel:" + A + ">;index=1,<tel:" + B + ">;index=1.1;mp=1");
        assertEquals("History-Info", hi.get("diversion").get("sipHeader").asText());
        assertTrue(verify(0, A, "--identity", shaken).get("diversion").isNull());
    }

    @Test
    void brandedCallWithRcdiOverAJcardAndItsLogo() throws Exception {
        String card = pki.resolve("rcd/card.json").toString();
        String logo = pki.resolve("rcd/logo.png").toString();
        String h = sign("--dest", A, "--rcd-name", "Ministry of Examples", "--rcd-jcl", RCD + "card.json",
                "--rcdi", "/jcl=" + card, "--rcdi", "/jcl/1/2/3=" + logo, "--crn", "Passport renewal");
        JsonNode j = verify(0, A, "--identity", h, "--content", RCD + "card.json=" + card, "--content", RCD + "logo.png=" + logo);
        JsonNode rcd = j.get("rcd");
        assertTrue(rcd.get("verified").asBoolean(), rcd.toString());
        assertEquals("Ministry of Examples", rcd.get("name").asText());
        assertEquals("Passport renewal", rcd.get("callReason").asText());
        assertEquals(2, rcd.get("integrity").size());
        // the logo the verifier is given is another file: the name is not verified, the TN still is
        JsonNode other = verify(0, A, "--identity", h, "--content", RCD + "card.json=" + card,
                "--content", RCD + "logo.png=" + pki.resolve("fwd-chain.pem"));
        assertEquals("rcdi_mismatch", other.get("rcd").get("problem").asText());
        assertEquals("PASS", other.get("status").asText());
    }

    @Test
    void separateRcdPassportAndInlineJcd() throws Exception {
        Path jcd = dir.resolve("inline.json");
        Files.writeString(jcd, "[\"vcard\",[[\"fn\",{},\"text\",\"Ministry of Examples\"]]]");
        String shaken = sign("--dest", A);
        String rcd = sign("--dest", A, "--ppt", "rcd", "--rcd-name", "Ministry of Examples", "--rcd-jcd", jcd.toString(),
                "--rcdi", "/jcd");
        assertTrue(rcd.endsWith(";ppt=rcd"), rcd);
        JsonNode j = verify(0, A, "--identity", shaken, "--identity", rcd);
        assertTrue(j.get("rcd").get("verified").asBoolean(), j.get("rcd").toString());
        assertEquals(1, j.get("rcd").get("header").asInt());
    }

    @Test
    void severalAssertedIdentities() throws Exception {
        String h = sign("--dest", A);
        JsonNode j = verify(0, A, "--identity", h, "--pai", "<sip:reception@agency.example>", "--pai", "<tel:" + AGENCY + ">");
        assertEquals("PASS", j.get("status").asText());
        JsonNode none = verify(1, A, "--identity", h, "--pai", "<tel:+12025550999>");
        assertEquals("orig_mismatch", none.get("reason").asText());
    }

    @Test
    void signUsageErrorsExit2WithOneLine() {
        for (String[] bad : new String[][] {
                {"--dest", A, "--ppt", "div"},
                {"--dest", A, "--div", A, "--rcd-name", "X"},
                {"--dest", A, "--rcdi", "/icn=nothing"},
                {"--dest", A, "--ppt", "rcd"},
                {"--dest", A, "--ppt", "other"},
                {"--dest", A, "--div", "not-a-number"},
                {"--dest", A, "--rcd-icon", "http://insecure.example/i.png"},
                {"--dest", A, "--rcd-name", "X", "--rcdi", "/icn=" + dir.resolve("missing.png")}}) {
            List<String> a = new ArrayList<>(List.of("sign", "--key", pki.resolve("sp-key.pem").toString(), "--x5u", X5U,
                    "--orig", AGENCY));
            a.addAll(List.of(bad));
            VerifyCommandTest.Run r = VerifyCommandTest.run(a.toArray(String[]::new));
            assertEquals(2, r.exit(), String.join(" ", bad) + " → " + r.out() + r.err());
            assertTrue(r.out().isEmpty(), r.out());
        }
    }
}
