package org.stirshield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.stirshield.cert.CertificateEvents;
import org.stirshield.cert.CertificateSource;
import org.stirshield.cert.CertificateSources;
import org.stirshield.cert.ContentSource;
import org.stirshield.cert.FetchSettings;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.FileCrlSource;
import org.stirshield.cert.LocalCertificateSource;
import org.stirshield.cert.TrustAnchors;
import org.stirshield.config.ConfigValues;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.SipRequest;
import org.stirshield.verify.Verdict;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./stirshield verify}: verifies Identity header values for one call and prints the verdict as
 * one JSON object on stdout. Exit 0 PASS, 1 FAIL or NO_IDENTITY, 2 usage error.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Verify STIR/SHAKEN Identity header values for a call; prints one JSON verdict. "
                + "Exit 0 PASS, 1 FAIL or NO_IDENTITY, 2 usage error.")
final class VerifyCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--orig", required = true, paramLabel = "TN", description = "Calling number (From/PAI user part, tel: or sip: URI, or digits).")
    String orig;

    @Option(names = "--dest", required = true, paramLabel = "TN", description = "Called number (To).")
    String dest;

    @Option(names = "--identity", paramLabel = "VALUE", description = "An Identity header value; repeat for several headers.")
    List<String> identities = new ArrayList<>();

    @Option(names = "--at", paramLabel = "EPOCH_SECONDS", description = "Verification time (default: now).")
    Long at;

    @Option(names = "--trust", paramLabel = "DIR", description = "Directory (or file) of PEM STI-CA roots (default: verification.trust_dir, else certs/trust).")
    Path trust;

    @Option(names = "--x5u", paramLabel = "URL=PEMFILE", description = "Serve this x5u URL from a local file (never fetched); repeatable.")
    List<String> x5uFiles = new ArrayList<>();

    @Option(names = "--crl", paramLabel = "FILE", description = "Preload a DER or PEM CRL; repeatable.")
    List<Path> crls = new ArrayList<>();

    @Option(names = "--region", paramLabel = "CC", description = "Home region, ISO 3166 alpha-2 (default: verification.region, else US).")
    String region;

    @Option(names = "--date", paramLabel = "HTTP_DATE", description = "SIP Date header value (compact-form base PASSporTs take iat from it).")
    String date;

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (default: ./stirshield.yaml if present).")
    Path config;

    @Option(names = "--pai", paramLabel = "VALUE", description = "A P-Asserted-Identity header value (tel: or sip: URI); repeatable. "
            + "The caller TN is then taken from each in turn (SHK-06).")
    List<String> assertedIdentities = new ArrayList<>();

    @Option(names = "--history-info", paramLabel = "VALUE", description = "A History-Info header value (RFC 7044); repeatable.")
    List<String> historyInfo = new ArrayList<>();

    @Option(names = "--diversion", paramLabel = "VALUE", description = "A Diversion header value (RFC 5806); repeatable.")
    List<String> diversion = new ArrayList<>();

    @Option(names = "--diverted-from", paramLabel = "TN", description = "A number the call was diverted from, oldest first; "
            + "repeatable (shorthand for --diversion values, for div PASSporT chains, RFC 8946).")
    List<String> divertedFrom = new ArrayList<>();

    @Option(names = "--content", paramLabel = "URL=FILE", description = "Serve this Rich Call Data URL (icn, jcl, a jCard's "
            + "logo) from a local file for rcdi digests (never fetched); repeatable.")
    List<String> contentFiles = new ArrayList<>();

    /** The configuration file's tree, or null when there is none. */
    private JsonNode configRoot;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        VerifierSettings settings = settings(cl);
        CertificateSource source = certificateSource(settings, cl);
        Verifier verifier = Verifier.create(settings, source, contentSource(settings, cl));
        Instant now = at == null ? Instant.now() : Instant.ofEpochSecond(at);
        Verdict v = verifier.verify(new CallAttempt(orig, dest, identities, date, null, null, null).withSip(sipRequest()), now);
        PrintWriter out = cl.getOut();
        out.println(toJson(v).toString());
        out.flush();
        return v.status() == Verdict.Status.PASS ? 0 : 1;
    }

    private VerifierSettings settings(CommandLine cl) {
        Path cfg = config != null ? config : Path.of("stirshield.yaml");
        if (config != null || Files.isRegularFile(cfg)) {
            try {
                configRoot = ConfigValues.readYaml(cfg);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cl, "cannot read configuration: " + e.getMessage());
            }
        }
        JsonNode section = ConfigValues.section(configRoot, "verification");
        try {
            VerifierSettings s = VerifierSettings.from(section);
            if (region != null) {
                s = s.withRegion(region);
            }
            if (trust != null) {
                s = s.withTrustDir(Main.existing("--trust", trust));
            }
            if (!crls.isEmpty()) {
                List<Path> all = new ArrayList<>(s.crlFiles());
                crls.forEach(f -> all.add(Main.readableFile("--crl", f)));
                s = s.withCrlFiles(all);
            }
            return s;
        } catch (IllegalArgumentException e) {
            // a cross-key check names its key first: locate it in the file (file:line)
            throw new CommandLine.ParameterException(cl, configRoot == null ? e.getMessage()
                    : ConfigValues.locate(configRoot, e).getMessage());
        }
    }

    /**
     * The one place the command's certificates come from: the --x5u files (never fetched), else the
     * HTTPS fetcher of the {@code certificates:} section ({@link #fetcher}).
     */
    private CertificateSource certificateSource(VerifierSettings settings, CommandLine cl) {
        CredentialValidator validator;
        try {
            TrustAnchors anchors = Files.exists(settings.trustDir()) ? TrustAnchors.load(settings.trustDir()) : TrustAnchors.empty();
            validator = new CredentialValidator(anchors, FileCrlSource.load(settings.crlFiles()), settings.revocation());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(Main.describe(e), e); // one line: which file, why
        }
        Map<String, Path> files = new LinkedHashMap<>();
        for (String m : x5uFiles) {
            int eq = m.lastIndexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new CommandLine.ParameterException(cl, "--x5u expects URL=PEMFILE: " + m);
            }
            files.put(m.substring(0, eq), Main.readableFile("--x5u " + m.substring(0, eq) + "=", Path.of(m.substring(eq + 1))));
        }
        try {
            return LocalCertificateSource.fromFiles(files, validator, fetcher(validator, cl));
        } catch (IOException e) {
            throw new CommandLine.ParameterException(cl, "--x5u: " + e.getMessage());
        }
    }

    /**
     * The HTTPS certificate source for URLs not given with --x5u: the guarded fetcher
     * and cache, configured by the {@code certificates:} section (https only, SSRF guard, timeouts, size
     * limit, pinned URLs). It validates with the same validator, so revocation uses only the CRLs given
     * with --crl / verification.crl_files: the command does not fetch CRL Distribution Points.
     */
    private CertificateSource fetcher(CredentialValidator validator, CommandLine cl) {
        try {
            FetchSettings fs = FetchSettings.from(ConfigValues.section(configRoot, "certificates"));
            return CertificateSources.production(fs, validator, CertificateEvents.NONE);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "certificates: " + e.getMessage());
        }
    }

    /** The SIP headers given with --pai, --history-info, --diversion and --diverted-from. */
    private SipRequest sipRequest() {
        List<String> div = new ArrayList<>(diversion);
        for (int i = divertedFrom.size() - 1; i >= 0; i--) {
            String tn = divertedFrom.get(i).strip();
            div.add("<tel:" + (tn.startsWith("+") ? tn : "+" + tn) + ">"); // RFC 5806: the most recent first
        }
        return new SipRequest(null, null, null, assertedIdentities, historyInfo, div);
    }

    /**
     * Where RCD content comes from: the --content files (never fetched), else the guarded HTTPS fetcher of the
     * {@code certificates:} section (https only, address guard, timeouts, verification.rcd_max_bytes).
     */
    private ContentSource contentSource(VerifierSettings settings, CommandLine cl) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String m : contentFiles) {
            int eq = m.lastIndexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new CommandLine.ParameterException(cl, "--content expects URL=FILE: " + m);
            }
            Path f = Main.readableFile("--content " + m.substring(0, eq) + "=", Path.of(m.substring(eq + 1)));
            try {
                if (Files.size(f) > settings.rcdMaxBytes()) {
                    throw new CommandLine.ParameterException(cl, "--content " + f.toAbsolutePath() + ": larger than "
                            + "verification.rcd_max_bytes (" + settings.rcdMaxBytes() + " bytes)");
                }
                files.put(m.substring(0, eq), Files.readAllBytes(f));
            } catch (IOException e) {
                throw new Main.FileError("--content " + m.substring(0, eq) + "=", f, e);
            }
        }
        try {
            FetchSettings fs = FetchSettings.from(ConfigValues.section(configRoot, "certificates"));
            return ContentSource.of(files, CertificateSources.content(fs, settings.rcdMaxBytes(), settings.rcdCacheBytes()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "certificates: " + e.getMessage());
        }
    }

    /** The verdict as the command prints it: the fixed fields first, then details. */
    static ObjectNode toJson(Verdict v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("status", v.status().name());
        o.put("attest", v.attest());
        if (v.sipCode() == null) {
            o.putNull("sipCode");
        } else {
            o.put("sipCode", v.sipCode().intValue());
        }
        o.put("reason", v.reason() == null ? "verified" : v.reason().code());
        o.put("verstat", v.verstat());
        o.put("x5u", v.x5u());
        o.put("origid", v.origid());
        o.put("spc", v.spc());
        o.put("reasonText", v.reason() == null ? "verified" : v.reason().phrase());
        o.put("certFingerprint", v.certFingerprint());
        if (v.iat() == null) {
            o.putNull("iat");
        } else {
            o.put("iat", v.iat().longValue());
        }
        o.put("passportDigest", v.passportDigest());
        if (v.tnAuthorized() == null) {
            o.putNull("tnAuthorized");
        } else {
            o.put("tnAuthorized", v.tnAuthorized().booleanValue());
        }
        o.put("callerTn", v.callerTn());
        o.put("calledTn", v.calledTn());
        ArrayNode hs = o.putArray("headers");
        for (Verdict.HeaderResult h : v.headers()) {
            ObjectNode ho = hs.addObject();
            ho.put("index", h.index());
            ho.put("ppt", h.ppt());
            ho.put("result", h.passed() ? "verified" : h.reason().code());
            if (h.reason() == null) {
                ho.putNull("sipCode");
            } else {
                ho.put("sipCode", h.reason().sipCode());
            }
            ho.put("attest", h.attest());
            ho.put("x5u", h.x5u());
            ho.put("detail", h.detail());
        }
        putDiversion(o, v.diversion());
        putRichCallData(o, v.rcd());
        return o;
    }

    /** {@code diversion}: the div chain (RFC 8946) and the diverting numbers SIP showed; null when not forwarded. */
    private static void putDiversion(ObjectNode o, Verdict.Diversion d) {
        if (d == null) {
            o.putNull("diversion");
            return;
        }
        ObjectNode n = o.putObject("diversion");
        n.put("chained", d.chained());
        n.put("originalDest", d.originalDest());
        ArrayNode hops = n.putArray("hops");
        for (Verdict.DivHop h : d.hops()) {
            ObjectNode ho = hops.addObject();
            ho.put("index", h.index());
            ho.put("from", h.from());
            ArrayNode to = ho.putArray("to");
            h.to().forEach(to::add);
            ho.put("x5u", h.x5u());
            ho.put("spc", h.spc());
            if (h.tnAuthorized() == null) {
                ho.putNull("tnAuthorized");
            } else {
                ho.put("tnAuthorized", h.tnAuthorized().booleanValue());
            }
            ho.put("result", h.reason() == null ? "verified" : h.reason().code());
        }
        ArrayNode sip = n.putArray("sipDiverting");
        d.sipDiverting().forEach(sip::add);
        n.put("sipHeader", d.sipHeader());
        n.put("reason", d.reason() == null ? null : d.reason().code());
        n.put("shakenDigest", d.shakenDigest());
    }

    /** {@code rcd}: the Rich Call Data (RFC 9795) and whether it verified; null when the call carried none. */
    private static void putRichCallData(ObjectNode o, Verdict.RichCallData r) {
        if (r == null) {
            o.putNull("rcd");
            return;
        }
        ObjectNode n = o.putObject("rcd");
        n.put("verified", r.verified());
        n.put("name", r.name());
        n.put("callReason", r.callReason());
        n.put("header", r.header());
        n.put("problem", r.problem());
        ArrayNode names = n.putArray("claimedNames");
        r.claimedNames().forEach(names::add);
        ArrayNode integrity = n.putArray("integrity");
        for (Verdict.RcdIntegrity i : r.integrity()) {
            ObjectNode io = integrity.addObject();
            io.put("pointer", i.pointer());
            io.put("url", i.url());
            io.put("result", i.result());
        }
    }
}
