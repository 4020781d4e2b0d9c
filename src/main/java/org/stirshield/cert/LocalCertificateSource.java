package org.stirshield.cert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Certificates served from local files, keyed by the exact x5u URL: the CLI's {@code --x5u URL=PEMFILE}
 * and operators' pinned certificates. Such a URL is never fetched. Bodies are read once at
 * construction; a body is validated through the {@link CredentialValidator} on first use, the
 * validated credential is kept and rechecked per call with {@link CredentialValidator#checkValidAt}.
 * Unknown URLs go to the delegate (the HTTPS fetcher), or fail with BAD_URL when there is none.
 */
public final class LocalCertificateSource implements CertificateSource {
    private final Map<String, byte[]> bodies;
    private final CredentialValidator validator;
    private final CertificateSource delegate;
    private final Map<String, Credential> validated = new ConcurrentHashMap<>();

    /**
     * @param bodies x5u URL → what that URL serves (PEM chain or DER)
     * @param delegate where other URLs go, or null
     */
    public LocalCertificateSource(Map<String, byte[]> bodies, CredentialValidator validator, CertificateSource delegate) {
        this.bodies = Map.copyOf(bodies);
        this.validator = validator;
        this.delegate = delegate;
    }

    /** Reads each file of a URL → file map. */
    public static LocalCertificateSource fromFiles(Map<String, Path> files, CredentialValidator validator, CertificateSource delegate)
            throws IOException {
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        for (var e : files.entrySet()) {
            Path f = e.getValue();
            if (!Files.isRegularFile(f)) {
                throw new IOException("no such certificate file: " + f);
            }
            if (Files.size(f) > 1024 * 1024) {
                throw new IOException("certificate file too large: " + f);
            }
            bodies.put(e.getKey(), Files.readAllBytes(f));
        }
        return new LocalCertificateSource(bodies, validator, delegate);
    }

    @Override
    public Credential credential(String x5u, Instant at, Deadline deadline) throws CredentialException {
        byte[] body = bodies.get(x5u);
        if (body == null) {
            if (delegate != null) {
                return delegate.credential(x5u, at, deadline);
            }
            throw new CredentialException(CredentialFailure.BAD_URL, "no certificate for " + x5u + " and no fetcher configured");
        }
        Credential c = validated.get(x5u);
        if (c != null) {
            validator.checkValidAt(c, at, deadline);
            return c;
        }
        c = validator.validate(x5u, body, at, deadline);
        validated.put(x5u, c);
        return c;
    }
}
