package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CRT-01 / ATIS-1000080 x5u URL rules, as Asterisk's res_stir_shaken enforces them; decided before any I/O. */
class UrlRulesTest {
    private static final UrlRules DEFAULT = new UrlRules(false, Set.of(443, 8443));

    @ParameterizedTest
    @ValueSource(strings = {
        "http://cert.example.com/cert.pem",          // http refused by default
        "ftp://cert.example.com/cert.pem",
        "file:///etc/passwd",
        "https://user:pw@cert.example.com/cert.pem",  // userinfo
        "https://cert.example.com/cert.pem?x=1",      // query
        "https://cert.example.com/cert.pem#frag",     // fragment
        "https://cert.example.com:8080/cert.pem",     // port not 443/8443
        "https://cert.example.com:22/cert.pem",
        "https:///cert.pem",
        "//cert.example.com/cert.pem",
        "https://0x7f.1/cert.pem",
        "https://2130706433/cert.pem",                // decimal IPv4 trick
        "https://cert_example.com/cert.pem",          // not a host name
        "not a url",
        ""})
    void refusedAsBadUrl(String url) {
        CredentialException e = assertThrows(CredentialException.class, () -> DEFAULT.check(url, UrlRules.Kind.X5U));
        assertEquals(CredentialFailure.BAD_URL, e.failure(), url);
    }

    @Test
    void httpsOn443And8443IsAccepted() throws Exception {
        UrlRules.Target t = DEFAULT.check("https://Cert.Example.COM./sti/cert.pem", UrlRules.Kind.X5U);
        assertEquals("cert.example.com", t.host());
        assertEquals(443, t.port());
        assertEquals("/sti/cert.pem", t.pathAndQuery());
        assertEquals(8443, DEFAULT.check("https://cert.example.com:8443/c.pem", UrlRules.Kind.X5U).port());
    }

    @Test
    void longUrlIsRefused() {
        String url = "https://cert.example.com/" + "a".repeat(UrlRules.MAX_URL_CHARS);
        assertEquals(CredentialFailure.BAD_URL,
                assertThrows(CredentialException.class, () -> DEFAULT.check(url, UrlRules.Kind.X5U)).failure());
    }

    @Test
    void allowHttpIsAnExplicitLabSetting() throws Exception {
        UrlRules lab = new UrlRules(true, Set.of(443, 8443));
        assertEquals(80, lab.check("http://cert.lab/c.pem", UrlRules.Kind.X5U).port());
        assertThrows(CredentialException.class, () -> lab.check("http://cert.lab:8081/c.pem", UrlRules.Kind.X5U));
        UrlRules anyPort = new UrlRules(false, Set.of());
        assertEquals(9443, anyPort.check("https://cert.lab:9443/c.pem", UrlRules.Kind.X5U).port());
    }

    @Test
    void crlDistributionPointsMayBeHttp() throws Exception {
        // ATIS-1000080 §6.4.1: the CRL DP is an HTTP URL; allowed without allow_http, address guard still applies.
        assertEquals(80, DEFAULT.check("http://crl.sti-ca.example/ca.crl", UrlRules.Kind.CRL).port());
        assertThrows(CredentialException.class, () -> DEFAULT.check("http://u@crl.example/ca.crl", UrlRules.Kind.CRL));
        assertThrows(CredentialException.class, () -> DEFAULT.check("http://crl.example:9999/ca.crl", UrlRules.Kind.CRL));
    }
}
