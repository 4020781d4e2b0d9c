package org.stirshield.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who signed the spoofing attempts: failed or rejected calls claiming a protected number that carried a
 * PASSporT, grouped by signer (SPC from the certificate's TNAuthList, SHA-256 fingerprint of the signing
 * certificate, host of the x5u URL). A signer here signed for a number it does not own, or its signature did
 * not hold. Bounded: at most {@link #MAX_SIGNERS} signers (the rest counted in {@link #otherCalls}), and per
 * signer at most {@link #MAX_NUMBERS} distinct numbers and {@link #MAX_REASONS} reasons remembered.
 */
final class Signers {
    static final int MAX_SIGNERS = 5000;
    static final int MAX_NUMBERS = 50;
    static final int MAX_REASONS = 8;

    /** One signer. */
    record Key(String spc, String certFp, String x5uHost) {
    }

    static final class Signer {
        final Key key;
        long calls;
        Instant first;
        Instant last;
        final Set<String> numbers = new LinkedHashSet<>();
        boolean moreNumbers;
        final Map<String, long[]> reasons = new HashMap<>();

        Signer(Key key) {
            this.key = key;
        }

        /** The reasons, most frequent first, as {@code reason (n)}. */
        List<String> reasonList() {
            List<Map.Entry<String, long[]>> all = new ArrayList<>(reasons.entrySet());
            all.sort(Comparator.comparingLong((Map.Entry<String, long[]> x) -> -x.getValue()[0])
                    .thenComparing(Map.Entry::getKey));
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, long[]> x : all) {
                out.add(x.getKey() + " (" + ReportText.num(x.getValue()[0]) + ")");
            }
            return out;
        }
    }

    private final Map<Key, Signer> signers = new HashMap<>();
    long otherCalls;

    /** Counts a spoofing attempt; ignored when it names no signer (an unsigned call). */
    void add(AuditEntry e) {
        if (e.spc() == null && e.certFp() == null && e.x5u() == null) {
            return;
        }
        Key k = new Key(e.spc(), e.certFp(), ReportStats.host(e.x5u()));
        Signer s = signers.get(k);
        if (s == null) {
            if (signers.size() >= MAX_SIGNERS) {
                otherCalls++;
                return;
            }
            s = new Signer(k);
            signers.put(k, s);
        }
        s.calls++;
        s.first = s.first == null || e.ts().isBefore(s.first) ? e.ts() : s.first;
        s.last = s.last == null || e.ts().isAfter(s.last) ? e.ts() : s.last;
        String number = e.caller();
        if (number != null && !s.numbers.contains(number)) {
            if (s.numbers.size() < MAX_NUMBERS) {
                s.numbers.add(number);
            } else {
                s.moreNumbers = true;
            }
        }
        String reason = e.reason() == null ? ReportStats.NONE : e.reason();
        long[] c = s.reasons.get(reason);
        if (c == null && s.reasons.size() < MAX_REASONS) {
            s.reasons.put(reason, c = new long[1]);
        }
        if (c != null) {
            c[0]++;
        }
    }

    /** The signers with the most attempts first. */
    List<Signer> top(int n) {
        List<Signer> all = new ArrayList<>(signers.values());
        all.sort(Comparator.comparingLong((Signer s) -> -s.calls).thenComparing(s -> String.valueOf(s.key)));
        return all.subList(0, Math.min(n, all.size()));
    }

    int size() {
        return signers.size();
    }
}
