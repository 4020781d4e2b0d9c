package org.stirshield.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The latest spoofing attempts per protected number, for the report's drill-down from a spoofed number to
 * its calls. Bounded: at most {@link #PER_NUMBER} calls (the latest by time) for each of at most
 * {@link #MAX_NUMBERS} numbers; when a new number arrives and the table is full, the number with the fewest
 * attempts so far gives up its place, so the most spoofed numbers keep theirs.
 */
final class DrillDown {
    static final int PER_NUMBER = 25;
    static final int MAX_NUMBERS = 1000;

    /** One attempt as the drill-down shows it. */
    record Call(Instant ts, String called, String trunk, String source, String sipCallId, String uniqueId,
            String reason, String action, String spc) {
    }

    /** The calls kept for one number and how many it had. */
    static final class Calls {
        long attempts;
        private final PriorityQueue<Call> latest = new PriorityQueue<>(Comparator.comparing(Call::ts));

        /** The kept calls, latest first. */
        List<Call> latestFirst() {
            List<Call> out = new ArrayList<>(latest);
            out.sort(Comparator.comparing(Call::ts).reversed());
            return out;
        }
    }

    private final Map<String, Calls> byNumber = new HashMap<>();

    void add(String number, AuditEntry e) {
        Calls c = byNumber.get(number);
        if (c == null) {
            if (byNumber.size() >= MAX_NUMBERS) {
                String fewest = null;
                long min = Long.MAX_VALUE;
                for (Map.Entry<String, Calls> x : byNumber.entrySet()) {
                    if (x.getValue().attempts < min) {
                        min = x.getValue().attempts;
                        fewest = x.getKey();
                    }
                }
                byNumber.remove(fewest);
            }
            c = new Calls();
            byNumber.put(number, c);
        }
        c.attempts++;
        c.latest.add(new Call(e.ts(), e.called(), e.trunk(), e.source(), e.sipCallId(), e.uniqueId(), e.reason(),
                e.action(), e.spc()));
        if (c.latest.size() > PER_NUMBER) {
            c.latest.poll(); // the oldest
        }
    }

    /** The calls kept for {@code number}, or null when it has none (never spoofed, or evicted). */
    Calls of(String number) {
        return byNumber.get(number);
    }
}
