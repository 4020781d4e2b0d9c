package org.stirshield.cert;

import java.time.Instant;
import java.util.Map;

/**
 * For tests: certificates served from memory as if they had been fetched, so the production URL rules
 * ({@link UrlRules}: https, allowed ports, no userinfo, query or fragment; http only with allow_http) apply
 * first, exactly as in front of the real fetcher. Unlike a pinned URL (a local file whatever its scheme),
 * an x5u the rules refuse fails with BAD_URL.
 */
public final class ServedAsFetched implements CertificateSource {
    private final UrlRules rules;
    private final LocalCertificateSource files;

    public ServedAsFetched(FetchSettings settings, Map<String, byte[]> bodies, CredentialValidator validator) {
        this.rules = new UrlRules(settings.allowHttp(), settings.allowPorts());
        this.files = new LocalCertificateSource(bodies, validator, null);
    }

    @Override
    public Credential credential(String x5u, Instant at, Deadline deadline) throws CredentialException {
        rules.check(x5u, UrlRules.Kind.X5U);
        return files.credential(x5u, at, deadline);
    }
}
