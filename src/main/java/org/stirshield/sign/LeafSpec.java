package org.stirshield.sign;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.stirshield.cert.TnAuthList;

/**
 * What an STI end-entity certificate should hold (ATIS-1000080 §6.4.1, RFC 8226 §9). Defaults give a
 * conforming SHAKEN leaf: EC P-256, keyUsage digitalSignature (critical), valid from an hour ago for a
 * year, TNAuthList with the SPC given. Setters return a new spec, so a base spec can be varied per test.
 */
public record LeafSpec(
        String commonName,
        List<String> spcs,
        List<String> numbers,
        List<TnAuthList.Range> ranges,
        Instant notBefore,
        Instant notAfter,
        int keyUsage,
        KeyType keyType,
        boolean withTnAuthList,
        byte[] rawTnAuthList,
        String crlDistributionPoint,
        boolean ca,
        BigInteger serial) {

    public LeafSpec {
        spcs = List.copyOf(spcs);
        numbers = List.copyOf(numbers);
        ranges = List.copyOf(ranges);
    }

    /** A SHAKEN leaf for service provider code {@code spc} (SPC-only TNAuthList, ATIS-1000080 v005). */
    public static LeafSpec spc(String spc) {
        Instant now = Instant.now();
        return new LeafSpec("SHAKEN " + spc, List.of(spc), List.of(), List.of(),
                now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)),
                KeyUsage.digitalSignature, KeyType.EC_P256, true, null, null, false, null);
    }

    /** A leaf whose TNAuthList holds these single telephone numbers (RFC 8226 {@code one}). */
    public static LeafSpec numbers(String... tns) {
        return spc("TEST").withSpcs().withNumbers(tns).withCommonName("SHAKEN TN");
    }

    public LeafSpec withCommonName(String cn) {
        return new LeafSpec(cn, spcs, numbers, ranges, notBefore, notAfter, keyUsage, keyType, withTnAuthList,
                rawTnAuthList, crlDistributionPoint, ca, serial);
    }

    public LeafSpec withSpcs(String... values) {
        return new LeafSpec(commonName, List.of(values), numbers, ranges, notBefore, notAfter, keyUsage, keyType,
                withTnAuthList, rawTnAuthList, crlDistributionPoint, ca, serial);
    }

    public LeafSpec withNumbers(String... values) {
        return new LeafSpec(commonName, spcs, List.of(values), ranges, notBefore, notAfter, keyUsage, keyType,
                withTnAuthList, rawTnAuthList, crlDistributionPoint, ca, serial);
    }

    public LeafSpec withRange(String start, long count) {
        List<TnAuthList.Range> r = new ArrayList<>(ranges);
        r.add(new TnAuthList.Range(start, count));
        return new LeafSpec(commonName, spcs, numbers, r, notBefore, notAfter, keyUsage, keyType, withTnAuthList,
                rawTnAuthList, crlDistributionPoint, ca, serial);
    }

    public LeafSpec withValidity(Instant from, Instant until) {
        return new LeafSpec(commonName, spcs, numbers, ranges, from, until, keyUsage, keyType, withTnAuthList,
                rawTnAuthList, crlDistributionPoint, ca, serial);
    }

    /** Key usage bits as in {@link KeyUsage} (e.g. {@code KeyUsage.keyEncipherment}); 0 omits the extension. */
    public LeafSpec withKeyUsage(int bits) {
        return new LeafSpec(commonName, spcs, numbers, ranges, notBefore, notAfter, bits, keyType, withTnAuthList,
                rawTnAuthList, crlDistributionPoint, ca, serial);
    }

    public LeafSpec withKeyType(KeyType type) {
        return new LeafSpec(commonName, spcs, numbers, ranges, notBefore, notAfter, keyUsage, type, withTnAuthList,
                rawTnAuthList, crlDistributionPoint, ca, serial);
    }

    /** Leave the TNAuthList extension out entirely (CRT-08 negative). */
    public LeafSpec withoutTnAuthList() {
        return new LeafSpec(commonName, spcs, numbers, ranges, notBefore, notAfter, keyUsage, keyType, false,
                rawTnAuthList, crlDistributionPoint, ca, serial);
    }

    /** Put these exact bytes in the TNAuthList extension's value (malformed-encoding tests). */
    public LeafSpec withRawTnAuthList(byte[] der) {
        return new LeafSpec(commonName, spcs, numbers, ranges, notBefore, notAfter, keyUsage, keyType, true,
                der.clone(), crlDistributionPoint, ca, serial);
    }

    public LeafSpec withCrlDistributionPoint(String url) {
        return new LeafSpec(commonName, spcs, numbers, ranges, notBefore, notAfter, keyUsage, keyType, withTnAuthList,
                rawTnAuthList, url, ca, serial);
    }

    /** Mark the certificate CA:TRUE (to build a path through a non-CA or a CA-as-leaf in tests). */
    public LeafSpec withCa(boolean isCa) {
        return new LeafSpec(commonName, spcs, numbers, ranges, notBefore, notAfter, keyUsage, keyType, withTnAuthList,
                rawTnAuthList, crlDistributionPoint, isCa, serial);
    }

    public LeafSpec withSerial(BigInteger value) {
        return new LeafSpec(commonName, spcs, numbers, ranges, notBefore, notAfter, keyUsage, keyType, withTnAuthList,
                rawTnAuthList, crlDistributionPoint, ca, value);
    }
}
