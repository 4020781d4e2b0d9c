package org.stirshield.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.audit.DecisionRecorder;
import org.stirshield.audit.Metrics;
import org.stirshield.cert.CachedCertificateSource;
import org.stirshield.cert.CertificateChains;
import org.stirshield.cert.CertificateSources;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.FetchSettings;
import org.stirshield.cert.FileCrlSource;
import org.stirshield.cert.HttpCrlSource;
import org.stirshield.cert.TrustAnchors;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.PolicyException;
import org.stirshield.policy.PolicySettings;
import org.stirshield.policy.ReloadingPolicy;
import org.stirshield.sign.OutboundSigner;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;

/**
 * The running verification service that {@code serve} puts behind the FastAGI server: built from the
 * configuration file's sections (verification, certificates, policy, audit, metrics), it owns every
 * resource and closes them in order (audit log last, so that every decision is on record).
 */
public final class StirShieldService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StirShieldService.class);

    /**
     * What the service is built from.
     *
     * @param configFile the configuration file, or null (then {@code config} is empty and defaults apply)
     * @param config the configuration tree
     * @param auditFile {@code serve --audit}, overriding {@code audit.file}, or null
     * @param metricsListen {@code serve --metrics HOST:PORT}, overriding {@code metrics.listen}, or null
     */
    public record Options(Path configFile, JsonNode config, Path auditFile, String metricsListen) {
    }

    private final List<AutoCloseable> resources;
    private final CallScreener screener;
    private final Metrics metrics;
    private final ReloadingPolicy policy;
    private final Verifier verifier;
    private final OutboundSigner signer;

    private StirShieldService(List<AutoCloseable> resources, CallScreener screener, Metrics metrics,
            ReloadingPolicy policy, Verifier verifier, OutboundSigner signer) {
        this.resources = resources;
        this.screener = screener;
        this.metrics = metrics;
        this.policy = policy;
        this.verifier = verifier;
        this.signer = signer;
    }

    /**
     * Builds and starts everything. A configuration error (bad key, unreadable trust directory, invalid
     * policy file) is an {@link IllegalArgumentException} or {@link IOException} naming what is wrong;
     * whatever was already started is closed again.
     */
    public static StirShieldService start(Options o) throws IOException {
        JsonNode root = o.config();
        List<AutoCloseable> started = new ArrayList<>();
        try {
            VerifierSettings vs = VerifierSettings.from(ConfigValues.section(root, "verification"));
            FetchSettings fs = FetchSettings.from(ConfigValues.section(root, "certificates"));

            // Audit log, replay detection and metrics; closed last, so every decision is on record.
            DecisionRecorder recorder = DecisionRecorder.start(root, o.auditFile(), o.metricsListen(),
                    vs.freshness().plus(vs.futureSkew()));
            started.add(recorder);
            recorder.auditLog().closeOnShutdownByOwner(); // close() drains it after the calls in flight
            Metrics metrics = recorder.metrics();

            TrustAnchors anchors = Files.exists(vs.trustDir()) ? TrustAnchors.load(vs.trustDir()) : TrustAnchors.empty();
            if (anchors.isEmpty()) {
                LOG.warn("no STI-CA trust anchors in {}: every signed call will fail with untrusted_chain", vs.trustDir());
            }
            // CRT-05: CRLs given in verification.crl_files first, else each certificate's CRL Distribution Point.
            HttpCrlSource crls = CertificateSources.crls(fs, FileCrlSource.load(vs.crlFiles()), metrics.certificates());
            started.add(crls);
            CredentialValidator validator = new CredentialValidator(anchors, crls, CertificateSources.revocationMode(fs));
            CachedCertificateSource certificates = CertificateSources.production(fs, validator, metrics.certificates());
            started.add(certificates);
            // read at each scrape: an expired root or pinned certificate silently fails every call it signs for
            metrics.bindCertificateExpiry("trust_anchor",
                    () -> CertificateChains.earliestNotAfter(validator.anchors().certificates()));
            metrics.bindCertificateExpiry("pinned", certificates::pinnedNotAfter);
            metrics.bindCertificateExpiry("signer", certificates::cachedNotAfter);
            Verifier verifier = Verifier.create(vs, certificates);

            // Relative paths in stirshield.yaml (trust_dir, pinned files, policy.file, audit.file) are relative
            // to the working directory.
            ReloadingPolicy policy = ReloadingPolicy.open(PolicySettings.from(ConfigValues.section(root, "policy")));
            started.add(policy);
            metrics.policyReloaded(true); // the initial load (open() refuses an invalid file)
            policy.addListener((ok, detail) -> metrics.policyReloaded(ok));
            policy.start();

            LOG.info("verification ready: {} trust anchor(s), region {}, ES256 via {}, policy {}, audit {}",
                    anchors.size(), vs.region(), verifier.cryptoProvider(), policy.current().summary(),
                    recorder.auditLog().settings().file());
            OutboundSigner signer = OutboundSigner.load(
                    OutboundSigner.Settings.from(ConfigValues.section(root, "signing")), vs.canonicalizer());
            CallScreener screener = new ScreeningPipeline(verifier, policy, recorder, Clock.systemUTC());
            return new StirShieldService(List.copyOf(started), screener, metrics, policy, verifier, signer);
        } catch (PolicyException e) {
            closeAll(started);
            throw new IllegalArgumentException("policy: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeAll(started);
            throw e;
        }
    }

    /** The per-call pipeline (thread-safe). */
    public CallScreener screener() {
        return screener;
    }

    public Metrics metrics() {
        return metrics;
    }

    public ReloadingPolicy policy() {
        return policy;
    }

    public Verifier verifier() {
        return verifier;
    }

    /** The outbound signer of the {@code signing:} section, or null when signing is not configured. */
    public OutboundSigner signer() {
        return signer;
    }

    /**
     * Stops policy watching and fetchers, drains the audit log (every record written) and stops metrics.
     * The owner must call this (serve does, from its shutdown hook, after draining calls in flight).
     */
    @Override
    public void close() {
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        // Reverse start order: the audit log (started last) drains first, metrics (started first) stop last.
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("error closing {}: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
    }
}
