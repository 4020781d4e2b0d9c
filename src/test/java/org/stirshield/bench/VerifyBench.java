package org.stirshield.bench;

import java.security.Provider;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.stirshield.cert.CertificateChains;
import org.stirshield.passport.Es256;
import org.stirshield.passport.IdentityHeader;
import org.stirshield.passport.Passport;
import org.stirshield.testing.Fixture;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;

/**
 * {@code Verifier.verify} with a warm certificate (path validated once, rechecked per call), single
 * thread, per ES256 provider; ES256 verification alone per provider; PKIX path validation per
 * provider; parsing a 2-certificate PEM chain. Run with scripts/bench.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VerifyBench {
    @Param({"SunEC", "BC", "ACCP"})
    public String provider;

    private Verifier verifier;
    private CallAttempt call;
    private Es256 es;
    private Passport passport;
    private java.security.PublicKey key;
    private Fixture fixture;
    private PKIXParameters pkix;
    private CertPathValidator validator;
    private byte[] chainPem;

    @Setup
    public void setup() throws Exception {
        Provider p = null;
        for (Provider c : Es256.candidates()) {
            if (c.getName().equals(provider) || (provider.equals("ACCP") && c.getName().startsWith("Amazon"))) {
                p = c;
            }
        }
        if (p == null) {
            throw new IllegalStateException("provider not available here: " + provider);
        }
        es = Es256.with(p);
        fixture = new Fixture();
        verifier = Verifier.create(VerifierSettings.defaults(), new org.stirshield.cert.LocalCertificateSource(fixture.served, fixture.validator(), null), es);
        call = CallAttempt.of("+1 215 555 0100", Fixture.CALLED, List.of(Fixture.identity(fixture.token())));
        Verdict v = verifier.verify(call, Fixture.NOW); // warms the certificate
        if (v.status() != Verdict.Status.PASS) {
            throw new IllegalStateException("setup verdict " + v);
        }
        passport = Passport.decode(IdentityHeader.parse(call.identityHeaders().get(0), 8192).token());
        key = fixture.leaf.cert().getPublicKey();
        chainPem = fixture.served.get(Fixture.X5U);
        pkix = new PKIXParameters(Set.of(new TrustAnchor(fixture.root.cert(), null)));
        pkix.setDate(Date.from(Fixture.NOW));
        pkix.setRevocationEnabled(false);
        // PKIX implementation: JDK (SUN) for SunEC/ACCP rows, BouncyCastle for the BC row
        validator = provider.equals("BC") ? CertPathValidator.getInstance("PKIX", p) : CertPathValidator.getInstance("PKIX");
    }

    /** The whole per-call path: header parse, decode, cached credential recheck, freshness, ES256, claims. */
    @Benchmark
    public Verdict verifyWarm() {
        return verifier.verify(call, Fixture.NOW);
    }

    /** ES256 alone over the received signing input. */
    @Benchmark
    public boolean es256Only() {
        return es.verify(key, passport.signingInput(), passport.signature());
    }

    /**
     * Parse + RFC 5280 path validation leaf → intermediate → root (what the cache saves per call). The
     * chain is parsed afresh each time: the JDK's X509CertImpl caches signature checks per object.
     */
    @Benchmark
    public Object pkixPathValidation() throws Exception {
        CertPath fresh = CertificateFactory.getInstance("X.509").generateCertPath(CertificateChains.parse(chainPem));
        return validator.validate(fresh, pkix);
    }

    /** Parsing the 2-certificate PEM chain. */
    @Benchmark
    public Object parseChain() throws Exception {
        return CertificateChains.parse(chainPem);
    }
}
