package org.stirshield.cert;

import java.util.Map;

/**
 * Where the content an RCD claim refers to comes from (RFC 9795: the icon at {@code icn}, the jCard at
 * {@code jcl}, URIs inside a jCard), so that its {@code rcdi} digest can be checked. Production fetches
 * it over HTTPS through the same guarded fetcher as certificates ({@link CachedContentSource});
 * the CLI and labs can serve it from local files. Implementations are thread-safe.
 */
public interface ContentSource {

    /**
     * The bytes served at {@code url}.
     *
     * @param deadline when the caller must have an answer; a fetch still running then fails with
     *     {@link CredentialFailure#TIMEOUT}
     * @throws CredentialException when it cannot be had (bad URL, refused address, HTTP error, too large, timeout)
     */
    byte[] content(String url, Deadline deadline) throws CredentialException;

    /** No content at all: every URL fails (RCD integrity digests then cannot be checked). */
    ContentSource NONE = (url, deadline) -> {
        throw new CredentialException(CredentialFailure.BAD_URL, "no Rich Call Data content source is configured");
    };

    /** Content from memory for these exact URLs; other URLs go to {@code delegate}. */
    static ContentSource of(Map<String, byte[]> bodies, ContentSource delegate) {
        Map<String, byte[]> copy = Map.copyOf(bodies);
        return (url, deadline) -> {
            byte[] b = copy.get(url);
            return b != null ? b.clone() : delegate.content(url, deadline);
        };
    }
}
