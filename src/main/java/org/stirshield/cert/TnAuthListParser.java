package org.stirshield.cert;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.DERIA5String;

/**
 * Decodes the TNAuthList extension (CRT-08): RFC 8226 Appendix A module {@code TN-Module-2016}
 * ({@code DEFINITIONS EXPLICIT TAGS}) with {@code one [2]} as in RFC 9118:
 * <pre>
 * TNAuthorizationList ::= SEQUENCE SIZE (1..MAX) OF TNEntry
 * TNEntry ::= CHOICE { spc [0] EXPLICIT IA5String, range [1] EXPLICIT SEQUENCE { start TelephoneNumber,
 *                      count INTEGER (2..MAX) }, one [2] EXPLICIT TelephoneNumber }
 * TelephoneNumber ::= IA5String (SIZE (1..15)) (FROM ("0123456789#*"))
 * </pre>
 * Implicit tagging, another tag, a bad alphabet or size, trailing bytes: malformed.
 */
public final class TnAuthListParser {
    private TnAuthListParser() {
    }

    /** The leaf's TNAuthList; TNAUTHLIST_MISSING or TNAUTHLIST_MALFORMED otherwise. */
    public static TnAuthList fromCertificate(X509Certificate leaf) throws CredentialException {
        byte[] ext = leaf.getExtensionValue(TnAuthList.OID);
        if (ext == null) {
            throw new CredentialException(CredentialFailure.TNAUTHLIST_MISSING, "leaf has no TNAuthList extension (CRT-08)");
        }
        byte[] inner;
        try {
            inner = ASN1OctetString.getInstance(ASN1Primitive.fromByteArray(ext)).getOctets();
        } catch (IOException | RuntimeException e) {
            throw malformed("extension value is not an OCTET STRING");
        }
        return parse(inner);
    }

    /** Parses the DER of a TNAuthorizationList. */
    public static TnAuthList parse(byte[] der) throws CredentialException {
        ASN1Primitive root;
        try {
            root = ASN1Primitive.fromByteArray(der);
        } catch (IOException | RuntimeException e) {
            throw malformed("not DER");
        }
        if (!(root instanceof ASN1Sequence seq) || seq.size() == 0) {
            throw malformed("not a non-empty SEQUENCE OF TNEntry");
        }
        List<String> spcs = new ArrayList<>();
        List<TnAuthList.Range> ranges = new ArrayList<>();
        List<String> numbers = new ArrayList<>();
        for (ASN1Encodable e : seq) {
            if (!(e instanceof ASN1TaggedObject t) || t.getTagClass() != BERTags.CONTEXT_SPECIFIC) {
                throw malformed("TNEntry is not a context-tagged CHOICE");
            }
            if (!t.isExplicit()) {
                throw malformed("TNEntry [" + t.getTagNo() + "] is implicitly tagged (module uses EXPLICIT TAGS)");
            }
            ASN1Primitive base;
            try {
                base = t.getExplicitBaseObject().toASN1Primitive();
            } catch (RuntimeException ex) {
                throw malformed("TNEntry [" + t.getTagNo() + "] has no explicit content");
            }
            switch (t.getTagNo()) {
                case 0 -> {
                    if (!(base instanceof DERIA5String s) || s.getString().isEmpty()) {
                        throw malformed("spc is not a non-empty IA5String");
                    }
                    spcs.add(s.getString());
                }
                case 1 -> {
                    if (!(base instanceof ASN1Sequence r) || r.size() != 2
                            || !(r.getObjectAt(1) instanceof ASN1Integer count)) {
                        throw malformed("range is not SEQUENCE { start, count }");
                    }
                    String start = telephoneNumber(r.getObjectAt(0).toASN1Primitive(), "range start");
                    BigInteger c = count.getValue();
                    if (c.compareTo(BigInteger.TWO) < 0 || c.bitLength() > 62) {
                        throw malformed("range count outside 2..MAX");
                    }
                    ranges.add(new TnAuthList.Range(start, c.longValue()));
                }
                case 2 -> numbers.add(telephoneNumber(base, "one"));
                default -> throw malformed("unknown TNEntry tag [" + t.getTagNo() + "]");
            }
        }
        return new TnAuthList(spcs, ranges, numbers);
    }

    private static String telephoneNumber(ASN1Primitive p, String what) throws CredentialException {
        if (!(p instanceof DERIA5String s)) {
            throw malformed(what + " is not an IA5String");
        }
        String v = s.getString();
        if (v.isEmpty() || v.length() > 15) {
            throw malformed(what + " TelephoneNumber size outside 1..15");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!((c >= '0' && c <= '9') || c == '*' || c == '#')) {
                throw malformed(what + " TelephoneNumber outside 0-9 # *");
            }
        }
        return v;
    }

    private static CredentialException malformed(String why) {
        return new CredentialException(CredentialFailure.TNAUTHLIST_MALFORMED, "TNAuthList malformed (CRT-08): " + why);
    }
}
