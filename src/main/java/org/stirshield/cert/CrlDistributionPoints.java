package org.stirshield.cert;

import java.security.cert.X509Certificate;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a certificate's CRL Distribution Points extension says for revocation checking (CRT-05): whether it has
 * one, and its first http(s) URI. The per-call recheck of a cached credential asks this of the same certificate
 * objects call after call, so the answer is remembered per certificate object: a direct-mapped table of
 * {@value #SLOTS} entries keyed by identity, each holding its certificate. Bounded: a certificate whose slot is
 * taken replaces the holder, which is parsed again when next asked about (what every call cost before).
 * Thread-safe: a slot holds an immutable entry, so racing callers at worst parse the same certificate twice.
 */
final class CrlDistributionPoints {
    private static final Logger LOG = LoggerFactory.getLogger(HttpCrlSource.class); // where this was logged before
    private static final String OID = Extension.cRLDistributionPoints.getId();
    /** Certificates remembered (a power of two); a warm server sees a few per signer, and few signers. */
    static final int SLOTS = 256;

    private record Facts(X509Certificate cert, boolean present, String url) {
    }

    private final Facts[] slots = new Facts[SLOTS];

    /** Whether {@code cert} has a CRL Distribution Points extension (whatever it holds). */
    boolean present(X509Certificate cert) {
        return facts(cert).present();
    }

    /** The first http(s) URI in {@code cert}'s CRL Distribution Points, or null. */
    String url(X509Certificate cert) {
        return facts(cert).url();
    }

    private Facts facts(X509Certificate cert) {
        int slot = System.identityHashCode(cert) & (SLOTS - 1);
        Facts f = slots[slot];
        if (f == null || f.cert() != cert) {
            byte[] ext = cert.getExtensionValue(OID);
            f = new Facts(cert, ext != null, ext == null ? null : firstHttpUri(ext));
            slots[slot] = f;
        }
        return f;
    }

    private static String firstHttpUri(byte[] ext) {
        try {
            CRLDistPoint cdp = CRLDistPoint.getInstance(ASN1OctetString.getInstance(ext).getOctets());
            for (DistributionPoint dp : cdp.getDistributionPoints()) {
                DistributionPointName name = dp.getDistributionPoint();
                if (name == null || name.getType() != DistributionPointName.FULL_NAME) {
                    continue;
                }
                for (GeneralName g : GeneralNames.getInstance(name.getName()).getNames()) {
                    if (g.getTagNo() == GeneralName.uniformResourceIdentifier) {
                        String u = ASN1IA5String.getInstance(g.getName()).getString();
                        String lower = u.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("http://") || lower.startsWith("https://")) {
                            return u;
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.info("unparseable CRL Distribution Points extension: {}", e.toString());
        }
        return null;
    }
}
