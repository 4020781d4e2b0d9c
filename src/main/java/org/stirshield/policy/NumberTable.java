package org.stirshield.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Longest-prefix match over protected exact numbers, prefixes and ranges, compact enough for millions
 * of entries: for every digit length 1..15 a sorted {@code long[]} of keys with a parallel {@code int[]}
 * of (agency, policy) groups, searched by binary search. An exact number costs 12 bytes.
 *
 * <p>Precedence for a TN of n digits: an exact number of n digits, then the innermost range of n-digit
 * numbers containing it, then the longest prefix (n digits down to 1). A TN holding anything but ASCII
 * digits (e.g. {@code *} or {@code #}) only matches prefixes made of its leading digits.
 */
final class NumberTable {
    private static final int LENGTHS = Numbers.MAX_DIGITS + 1;

    private final long[][] exactKeys = new long[LENGTHS][];
    private final int[][] exactGroups = new int[LENGTHS][];
    private final long[][] prefixKeys = new long[LENGTHS][];
    private final int[][] prefixGroups = new int[LENGTHS][];
    /** Disjoint segments of range coverage, each pointing to the innermost range that covers it. */
    private final long[][] segStart = new long[LENGTHS][];
    private final long[][] segEnd = new long[LENGTHS][];
    private final int[][] segRange = new int[LENGTHS][];
    /** The ranges themselves (sorted by start, then end descending). */
    private final long[][] rangeStart = new long[LENGTHS][];
    private final long[][] rangeEnd = new long[LENGTHS][];
    private final int[][] rangeGroups = new int[LENGTHS][];
    /** The innermost range strictly containing each range, or -1 (check-config). */
    private final int[][] rangeParent = new int[LENGTHS][];
    private int prefixMask;
    private final String[] agencies;
    private final String[] policies;
    private int size;

    private NumberTable(String[] agencies, String[] policies) {
        this.agencies = agencies;
        this.policies = policies;
        for (int l = 0; l < LENGTHS; l++) {
            exactKeys[l] = new long[0];
            exactGroups[l] = new int[0];
            prefixKeys[l] = new long[0];
            prefixGroups[l] = new int[0];
            segStart[l] = new long[0];
            segEnd[l] = new long[0];
            segRange[l] = new int[0];
            rangeStart[l] = new long[0];
            rangeEnd[l] = new long[0];
            rangeGroups[l] = new int[0];
            rangeParent[l] = new int[0];
        }
    }

    /** Number of distinct entries held (duplicates counted once). */
    int size() {
        return size;
    }

    /**
     * Builds the table. A duplicate entry with the same group is dropped with a warning; a duplicate with
     * a different agency or policy, and two ranges that overlap without one containing the other, are
     * errors (which of them applies would be ambiguous).
     *
     * @param warnings receives {@code file:line: message} warnings
     */
    static NumberTable build(List<NumberEntry> entries, String[] agencies, String[] policies, List<String> warnings)
            throws PolicyException {
        NumberTable t = new NumberTable(agencies, policies);
        @SuppressWarnings("unchecked")
        List<NumberEntry>[][] buckets = new List[3][LENGTHS];
        for (NumberEntry e : entries) {
            int k = e.kind().ordinal();
            int l = e.start().length();
            if (buckets[k][l] == null) {
                buckets[k][l] = new ArrayList<>();
            }
            buckets[k][l].add(e);
        }
        for (int l = 1; l < LENGTHS; l++) {
            List<NumberEntry> ex = buckets[NumberEntry.Kind.EXACT.ordinal()][l];
            if (ex != null) {
                t.fillKeys(ex, t.exactKeys, t.exactGroups, l, warnings);
            }
            List<NumberEntry> px = buckets[NumberEntry.Kind.PREFIX.ordinal()][l];
            if (px != null) {
                t.fillKeys(px, t.prefixKeys, t.prefixGroups, l, warnings);
                t.prefixMask |= 1 << l;
            }
            List<NumberEntry> rg = buckets[NumberEntry.Kind.RANGE.ordinal()][l];
            if (rg != null) {
                t.fillRanges(rg, l, warnings);
            }
        }
        return t;
    }

    private void fillKeys(List<NumberEntry> list, long[][] keysOut, int[][] groupsOut, int l, List<String> warnings)
            throws PolicyException {
        list.sort(Comparator.comparing(NumberEntry::start));
        long[] keys = new long[list.size()];
        int[] groups = new int[list.size()];
        int n = 0;
        NumberEntry prev = null;
        for (NumberEntry e : list) {
            if (prev != null && prev.start().equals(e.start())) {
                if (prev.group() != e.group()) {
                    throw new PolicyException(e.file(), e.line(), "duplicate entry " + e.text() + " with a different "
                            + "agency/policy than at " + prev.where() + " (" + describe(prev.group()) + ")");
                }
                warnings.add(e.where() + ": duplicate entry " + e.text() + " (also at " + prev.where() + ")");
                continue;
            }
            keys[n] = Numbers.value(e.start(), 0, l);
            groups[n] = e.group();
            n++;
            prev = e;
        }
        keysOut[l] = Arrays.copyOf(keys, n);
        groupsOut[l] = Arrays.copyOf(groups, n);
        size += n;
    }

    private void fillRanges(List<NumberEntry> list, int l, List<String> warnings) throws PolicyException {
        list.sort(Comparator.comparing(NumberEntry::start).thenComparing(NumberEntry::end, Comparator.reverseOrder()));
        int r = list.size();
        long[] rs = new long[r];
        long[] re = new long[r];
        int[] rg = new int[r];
        NumberEntry[] src = new NumberEntry[r];
        int n = 0;
        for (NumberEntry e : list) {
            if (n > 0 && src[n - 1].start().equals(e.start()) && src[n - 1].end().equals(e.end())) {
                if (src[n - 1].group() != e.group()) {
                    throw new PolicyException(e.file(), e.line(), "duplicate range " + e.text() + " with a different "
                            + "agency/policy than at " + src[n - 1].where());
                }
                warnings.add(e.where() + ": duplicate entry " + e.text() + " (also at " + src[n - 1].where() + ")");
                continue;
            }
            rs[n] = Numbers.value(e.start(), 0, l);
            re[n] = Numbers.value(e.end(), 0, l);
            rg[n] = e.group();
            src[n] = e;
            n++;
        }
        // Flatten the nested ranges into disjoint segments owned by the innermost range (a stack sweep).
        long[] ss = new long[2 * n + 1];
        long[] se = new long[2 * n + 1];
        int[] sr = new int[2 * n + 1];
        int segs = 0;
        int[] stack = new int[n];
        int[] parent = new int[n];
        int top = -1;
        long cursor = 0;
        for (int i = 0; i < n; i++) {
            while (top >= 0 && re[stack[top]] < rs[i]) {
                int done = stack[top--];
                if (cursor <= re[done]) {
                    ss[segs] = cursor;
                    se[segs] = re[done];
                    sr[segs++] = done;
                }
                cursor = re[done] + 1;
            }
            parent[i] = top >= 0 ? stack[top] : -1;
            if (top >= 0) {
                int outer = stack[top];
                if (re[i] > re[outer]) {
                    throw new PolicyException(src[i].file(), src[i].line(), "range " + src[i].text()
                            + " overlaps range " + src[outer].text() + " at " + src[outer].where()
                            + " without containing it or being contained in it");
                }
                if (cursor < rs[i]) {
                    ss[segs] = cursor;
                    se[segs] = rs[i] - 1;
                    sr[segs++] = outer;
                }
            }
            cursor = rs[i];
            stack[++top] = i;
        }
        while (top >= 0) {
            int done = stack[top--];
            if (cursor <= re[done]) {
                ss[segs] = cursor;
                se[segs] = re[done];
                sr[segs++] = done;
            }
            cursor = re[done] + 1;
        }
        segStart[l] = Arrays.copyOf(ss, segs);
        segEnd[l] = Arrays.copyOf(se, segs);
        segRange[l] = Arrays.copyOf(sr, segs);
        rangeStart[l] = Arrays.copyOf(rs, n);
        rangeEnd[l] = Arrays.copyOf(re, n);
        rangeGroups[l] = Arrays.copyOf(rg, n);
        rangeParent[l] = parent;
        size += n;
    }

    /** The entry {@code tn} matches (see the class comment), or null. */
    ProtectedMatch lookup(String tn) {
        if (tn == null || tn.isEmpty()) {
            return null;
        }
        int n = tn.length();
        if (n < LENGTHS) {
            long v = Numbers.value(tn, 0, n);
            if (v >= 0) {
                int i = Arrays.binarySearch(exactKeys[n], v);
                if (i >= 0) {
                    return match(tn, exactGroups[n][i]);
                }
                ProtectedMatch r = rangeMatch(n, v);
                if (r != null) {
                    return r;
                }
            }
        }
        return longestPrefix(tn, Math.min(n, LENGTHS - 1));
    }

    /** The innermost range containing {@code tn} (all digits), or null. */
    ProtectedMatch rangeMatch(String tn) {
        int n = tn.length();
        long v = n < LENGTHS ? Numbers.value(tn, 0, n) : -1;
        return v < 0 ? null : rangeMatch(n, v);
    }

    private ProtectedMatch rangeMatch(int n, long v) {
        int r = rangeIndex(n, v);
        return r < 0 ? null : match(pad(rangeStart[n][r], n) + ".." + pad(rangeEnd[n][r], n), rangeGroups[n][r]);
    }

    String agency(int group) {
        return agencies[group];
    }

    String policy(int group) {
        return policies[group];
    }

    /** The longest prefix entry of at most {@code maxLen} digits that {@code tn} starts with, or null. */
    ProtectedMatch longestPrefix(String tn, int maxLen) {
        int digits = 0;
        while (digits < maxLen && tn.charAt(digits) >= '0' && tn.charAt(digits) <= '9') {
            digits++;
        }
        int mask = prefixMask & ((2 << digits) - 1);
        while (mask != 0) {
            int l = 31 - Integer.numberOfLeadingZeros(mask);
            mask &= ~(1 << l);
            int i = Arrays.binarySearch(prefixKeys[l], Numbers.value(tn, 0, l));
            if (i >= 0) {
                return match(tn.substring(0, l) + "*", prefixGroups[l][i]);
            }
        }
        return null;
    }

    /** Index of the innermost range of {@code n}-digit numbers containing {@code v}, or -1. */
    int rangeIndex(int n, long v) {
        long[] starts = segStart[n];
        if (starts.length == 0) {
            return -1;
        }
        int i = Arrays.binarySearch(starts, v);
        if (i < 0) {
            i = -i - 2; // the segment starting before v
        }
        return i >= 0 && v <= segEnd[n][i] ? segRange[n][i] : -1;
    }

    /** The innermost range of {@code n} digits strictly containing the given range, or null. */
    ProtectedMatch enclosingRange(String start, String end) {
        int n = start.length();
        long s = Numbers.value(start, 0, n);
        long e = Numbers.value(end, 0, n);
        long[] starts = rangeStart[n];
        int i = Arrays.binarySearch(starts, s);
        if (i < 0) {
            return null;
        }
        while (i > 0 && starts[i - 1] == s) {
            i--; // equal starts are sorted by end descending
        }
        for (; i < starts.length && starts[i] == s; i++) {
            if (rangeEnd[n][i] == e) {
                int p = rangeParent[n][i];
                return p < 0 ? null : match(pad(rangeStart[n][p], n) + ".." + pad(rangeEnd[n][p], n), rangeGroups[n][p]);
            }
        }
        return null;
    }

    private ProtectedMatch match(String entry, int group) {
        return new ProtectedMatch(entry, agencies[group], policies[group]);
    }

    private static String pad(long v, int n) {
        String s = Long.toString(v);
        return s.length() >= n ? s : "0".repeat(n - s.length()) + s;
    }

    private String describe(int group) {
        return agencies[group] + " / " + policies[group];
    }
}
