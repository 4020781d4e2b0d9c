package org.stirshield.passport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The telephone numbers in the SIP headers a verifier needs beyond From and To, read from raw header
 * values (hostile input: every count and length is bounded, nothing throws):
 * <ul>
 *   <li>P-Asserted-Identity (RFC 3325 §9.1: {@code name-addr / addr-spec}, at most one sip/sips and one tel
 *       URI): the calling TNs to try in turn (SHK-06, ATIS-1000074 §5.3.1);</li>
 *   <li>History-Info (RFC 7044 §4: {@code hi-entry = hi-targeted-to-uri *(SEMI hi-param)} with
 *       {@code index}, {@code mp}, {@code rc}, {@code np}): the numbers a call was retargeted from;</li>
 *   <li>Diversion (RFC 5806 §3: one {@code name-addr} per diverting party, the most recent first): the
 *       same, for networks that use it.</li>
 * </ul>
 * A header value may hold several comma-separated entries; commas inside {@code <...>} or quotes do not
 * separate. Raw values as received; no verify types (parsing sits below the verdict).
 */
public final class SipHeaderValues {
    /** Header values looked at per header name. */
    public static final int MAX_VALUES = 16;
    /** Longer values are skipped as hostile. */
    public static final int MAX_VALUE_CHARS = 4096;
    /** Entries looked at per header name (all values together). */
    public static final int MAX_ENTRIES = 32;
    /** Distinct P-Asserted-Identity TNs tried (RFC 3325 allows two; a few more are tolerated). */
    public static final int MAX_ASSERTED = 4;

    /** One entry: the URI (without the angle brackets and without {@code ?headers}) and its header parameters. */
    public record Entry(String uri, Map<String, String> params) {
    }

    private SipHeaderValues() {
    }

    /** The entries of some header values, in order; bounded by {@link #MAX_VALUES} and {@link #MAX_ENTRIES}. */
    public static List<Entry> entries(List<String> values) {
        return each(values, SipHeaderValues::entry);
    }

    /** {@code one} of each entry of the values that has one, in order; bounded as {@link #entries} is. */
    private static <T> List<T> each(List<String> values, Function<String, T> one) {
        List<T> out = new ArrayList<>();
        if (values == null) {
            return out;
        }
        for (int v = 0; v < values.size() && v < MAX_VALUES && out.size() < MAX_ENTRIES; v++) {
            String value = values.get(v);
            if (value == null || value.length() > MAX_VALUE_CHARS) {
                continue;
            }
            for (String part : split(value)) {
                T e = one.apply(part);
                if (e != null && out.size() < MAX_ENTRIES) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** The distinct canonical TNs of the P-Asserted-Identity values, in order (at most {@link #MAX_ASSERTED}). */
    public static List<String> assertedTns(List<String> values, TnCanonicalizer canonicalizer) {
        if (values == null || values.isEmpty()) {
            return List.of();
        }
        List<String> tns = new ArrayList<>(2);
        for (String uri : each(values, part -> uri(part.strip()))) { // per call: the header parameters are not needed
            String tn = canonicalizer.canonicalize(uri);
            if (tn != null && tns.size() < MAX_ASSERTED && !tns.contains(tn)) {
                tns.add(tn);
            }
        }
        return List.copyOf(tns);
    }

    /**
     * RFC 7044: entries ordered by {@code index}; an entry with {@code mp=X} was retargeted from entry X,
     * whose TN is a diverting number ({@code rc} and {@code np} entries are not retargets). Without any
     * {@code mp} parameter (RFC 4244 senders), each TN that is followed by a different TN is one.
     */
    public static List<String> historyInfo(List<String> values, TnCanonicalizer canonicalizer) {
        List<Entry> entries = new ArrayList<>(entries(values));
        entries.sort(Comparator.comparing(e -> indexKey(e.params().get("index"))));
        Map<String, String> tnByIndex = new LinkedHashMap<>();
        List<String> tns = new ArrayList<>(entries.size());
        boolean mapped = false;
        for (Entry e : entries) {
            String tn = canonicalizer.canonicalize(e.uri());
            tns.add(tn);
            String index = e.params().get("index");
            if (index != null && tn != null) {
                tnByIndex.putIfAbsent(index, tn);
            }
            mapped |= e.params().containsKey("mp");
        }
        List<String> out = new ArrayList<>();
        if (mapped) {
            for (int i = 0; i < entries.size(); i++) {
                String from = tnByIndex.get(entries.get(i).params().get("mp"));
                if (from != null && !from.equals(tns.get(i))) {
                    addIfNew(out, from);
                }
            }
            return out;
        }
        String previous = null;
        for (String tn : tns) {
            if (tn == null) {
                continue;
            }
            if (previous != null && !previous.equals(tn)) {
                addIfNew(out, previous);
            }
            previous = tn;
        }
        return out;
    }

    /** RFC 5806: one diverting party per entry, the most recent first; returned oldest first. */
    public static List<String> diversion(List<String> values, TnCanonicalizer canonicalizer) {
        List<String> newestFirst = new ArrayList<>();
        for (Entry e : entries(values)) {
            String tn = canonicalizer.canonicalize(e.uri());
            if (tn != null) {
                newestFirst.add(tn);
            }
        }
        List<String> out = new ArrayList<>(newestFirst.size());
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            addIfNew(out, newestFirst.get(i));
        }
        return out;
    }

    private static void addIfNew(List<String> out, String tn) {
        if (out.isEmpty() || !out.get(out.size() - 1).equals(tn)) {
            out.add(tn);
        }
    }

    /** "1.1.2" as a sortable key: each number zero-padded; a missing or odd index sorts last, stably. */
    private static String indexKey(String index) {
        if (index == null || index.length() > 64) {
            return "~";
        }
        StringBuilder b = new StringBuilder(index.length() * 4);
        for (String part : index.split("\\.", -1)) {
            if (part.isEmpty() || part.length() > 6 || !part.chars().allMatch(Character::isDigit)) {
                return "~";
            }
            b.append("000000", 0, 6 - part.length()).append(part).append('.');
        }
        return b.toString();
    }

    /** Splits a header value at commas outside {@code <...>} and double quotes. */
    static List<String> split(String value) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        boolean bracket = false;
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"' && !bracket) {
                quoted = true;
            } else if (c == '<') {
                bracket = true;
            } else if (c == '>') {
                bracket = false;
            } else if (c == ',' && !bracket) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(value.substring(start));
        return parts;
    }

    /** One {@code name-addr} or {@code addr-spec} with its header parameters, or null when there is no URI. */
    static Entry entry(String text) {
        String s = text.strip();
        String uri = uri(s);
        if (uri == null) {
            return null;
        }
        int lt = indexOutsideQuotes(s, '<');
        String params;
        if (lt >= 0) {
            params = s.substring(s.indexOf('>', lt + 1) + 1); // there is one: uri() found it
        } else {
            int semi = s.indexOf(';');
            params = semi < 0 ? "" : s.substring(semi);
        }
        return new Entry(uri, params(params));
    }

    /**
     * The URI of a stripped {@code name-addr} or {@code addr-spec} (without the angle brackets and without
     * {@code ?headers}), or null when there is none.
     */
    private static String uri(String s) {
        if (s.isEmpty()) {
            return null;
        }
        String uri;
        int lt = indexOutsideQuotes(s, '<');
        if (lt >= 0) {
            int gt = s.indexOf('>', lt + 1);
            if (gt < 0) {
                return null;
            }
            uri = s.substring(lt + 1, gt).strip();
        } else {
            // addr-spec form (P-Asserted-Identity): without brackets the URI's parameters cannot be told
            // from header parameters; the TN ends at the first ';' either way (RFC 3966 §3)
            int semi = s.indexOf(';');
            uri = semi < 0 ? s : s.substring(0, semi);
        }
        int q = uri.indexOf('?');
        if (q >= 0) {
            uri = uri.substring(0, q); // URI headers (History-Info carries ?Reason=...)
        }
        return uri.isEmpty() ? null : uri;
    }

    private static int indexOutsideQuotes(String s, char c) {
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quoted) {
                if (ch == '\\') {
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == c) {
                return i;
            }
        }
        return -1;
    }

    private static Map<String, String> params(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String p : text.split(";")) {
            String t = p.strip();
            if (t.isEmpty() || out.size() >= 16) {
                continue;
            }
            int eq = t.indexOf('=');
            String name = (eq < 0 ? t : t.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : t.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            out.putIfAbsent(name, value);
        }
        return out;
    }
}
