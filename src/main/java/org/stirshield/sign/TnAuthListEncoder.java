package org.stirshield.sign;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.stirshield.cert.TnAuthList;

/**
 * DER encoding of a TNAuthList (RFC 8226 §9 and Appendix A, {@code DEFINITIONS EXPLICIT TAGS}, with
 * {@code one [2]} as in RFC 9118): {@code SEQUENCE OF TNEntry}, where TNEntry is
 * {@code spc [0] EXPLICIT IA5String | range [1] EXPLICIT SEQUENCE {start, count} | one [2] EXPLICIT IA5String}.
 */
public final class TnAuthListEncoder {
    private TnAuthListEncoder() {
    }

    public static byte[] encode(TnAuthList list) {
        ASN1EncodableVector entries = new ASN1EncodableVector();
        for (String spc : list.spcs()) {
            entries.add(new DERTaggedObject(true, 0, new DERIA5String(spc)));
        }
        for (TnAuthList.Range r : list.ranges()) {
            ASN1EncodableVector range = new ASN1EncodableVector();
            range.add(new DERIA5String(r.start()));
            range.add(new ASN1Integer(r.count()));
            entries.add(new DERTaggedObject(true, 1, new DERSequence(range)));
        }
        for (String tn : list.numbers()) {
            entries.add(new DERTaggedObject(true, 2, new DERIA5String(tn)));
        }
        try {
            return new DERSequence(entries).getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
