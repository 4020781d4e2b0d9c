package org.stirshield.agi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the dialplan did not pass as an argument, read from Asterisk in ONE
 * {@code GET FULL VARIABLE} round trip: one expression that joins the SIP headers of the INVITE
 * ({@code ${PJSIP_HEADER(read,NAME,N)}}) and the signalling source address
 * ({@code ${CHANNEL(pjsip,remote_addr)}}), each field written as its length in bytes, a colon and the
 * value ({@code ${LEN(X)}:X}). A length prefix needs no separator that could occur in a header
 * (a quoted-pair may carry any control character), so every value arrives byte for byte: unlike AGI
 * arguments, GET FULL VARIABLE neither removes quotes and backslashes nor splits at commas.
 *
 * <p>Bounds: the first {@link #IDENTITY_FIRST} Identity headers in the first round trip (the next ones,
 * up to {@link CallInputs#MAX_IDENTITY_HEADERS}, in a second one only when the call really carries that
 * many), the first {@link #INSTANCES} P-Asserted-Identity, History-Info and Diversion headers; the
 * command stays under Asterisk's 2 KiB AGI command buffer; the reply is one AGI line, at most
 * {@link LineReader#MAX_LINE} bytes. (Asterisk itself hands a dialplan function at most 4 KiB: a
 * single header longer than about 4,090 bytes cannot be read whole by any means.)
 */
final class SipHeaderFetch {
    /** Instances of P-Asserted-Identity, History-Info and Diversion read. */
    static final int INSTANCES = 3;
    /** Identity headers read in the first round trip. */
    static final int IDENTITY_FIRST = 4;
    /** Longest command sent (Asterisk reads AGI commands into a 2,048-byte buffer). */
    static final int MAX_COMMAND = 2000;

    /** A field of the fetch. */
    enum Field {
        IDENTITY("Identity"),
        FROM("From"),
        ASSERTED_IDENTITY("P-Asserted-Identity"),
        HISTORY_INFO("History-Info"),
        DIVERSION("Diversion"),
        CALL_ID("Call-ID"),
        SOURCE(null);

        final String header;

        Field(String header) {
            this.header = header;
        }
    }

    private record Item(Field field, String expression) {
    }

    private final List<Item> items;
    private final String command;

    private SipHeaderFetch(List<Item> items) {
        this.items = items;
        StringBuilder b = new StringBuilder(items.size() * 90);
        for (Item i : items) {
            b.append("${LEN(${").append(i.expression).append("})}:${").append(i.expression).append('}');
        }
        this.command = "GET FULL VARIABLE \"" + b + "\"";
    }

    /** The few plans a server uses, made once (the command text is the same for every call). */
    private static final java.util.concurrent.ConcurrentHashMap<String, SipHeaderFetch> PLANS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * What to read. Null when there is nothing to read.
     *
     * @param identityFrom the first Identity instance to read (1, or {@link #IDENTITY_FIRST}+1 for the rest), 0 for none
     * @param identityTo the last Identity instance to read
     * @param headers whether to read From, P-Asserted-Identity, History-Info and Diversion
     * @param callId whether to read the Call-ID
     * @param source whether to read the signalling source address
     */
    static SipHeaderFetch of(int identityFrom, int identityTo, boolean headers, boolean callId, boolean source) {
        String key = identityFrom + "," + identityTo + "," + headers + "," + callId + "," + source;
        SipHeaderFetch known = PLANS.get(key);
        if (known != null) {
            return known;
        }
        SipHeaderFetch plan = plan(identityFrom, identityTo, headers, callId, source);
        if (plan != null && PLANS.size() < 64) {
            PLANS.put(key, plan);
        }
        return plan;
    }

    private static SipHeaderFetch plan(int identityFrom, int identityTo, boolean headers, boolean callId, boolean source) {
        List<Item> items = new ArrayList<>();
        for (int i = identityFrom; identityFrom > 0 && i <= identityTo; i++) {
            items.add(header(Field.IDENTITY, i));
        }
        if (headers) {
            items.add(header(Field.FROM, 1));
            for (Field f : new Field[] {Field.ASSERTED_IDENTITY, Field.HISTORY_INFO, Field.DIVERSION}) {
                for (int i = 1; i <= INSTANCES; i++) {
                    items.add(header(f, i));
                }
            }
        }
        if (callId) {
            items.add(header(Field.CALL_ID, 1));
        }
        if (source) {
            items.add(new Item(Field.SOURCE, "CHANNEL(pjsip,remote_addr)"));
        }
        return items.isEmpty() ? null : new SipHeaderFetch(List.copyOf(items));
    }

    private static Item header(Field f, int instance) {
        return new Item(f, "PJSIP_HEADER(read," + f.header + (instance == 1 ? "" : "," + instance) + ")");
    }

    /** The expression Asterisk evaluates. */
    String expression() {
        return command.substring(19, command.length() - 1);
    }

    /** The AGI command (the expression has no quote, backslash or blank to escape). */
    String command() {
        return command;
    }

    /**
     * The values by field, in order, empty values left out; null when {@code extra} (the reply's text in
     * parentheses, one character per byte) is not exactly the fields asked for.
     */
    Map<Field, List<String>> parse(String extra) {
        if (extra == null) {
            return null;
        }
        Map<Field, List<String>> out = new EnumMap<>(Field.class);
        int p = 0;
        for (Item item : items) {
            int colon = extra.indexOf(':', p);
            if (colon <= p || colon - p > 7) {
                return null;
            }
            int len = 0;
            for (int k = p; k < colon; k++) {
                char c = extra.charAt(k);
                if (c < '0' || c > '9') {
                    return null;
                }
                len = len * 10 + (c - '0');
            }
            int end = colon + 1 + len;
            if (end > extra.length()) {
                return null;
            }
            if (len > 0) {
                String latin1 = extra.substring(colon + 1, end);
                out.computeIfAbsent(item.field, f -> new ArrayList<>(2))
                        .add(new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).strip());
            }
            p = end;
        }
        return p == extra.length() ? out : null;
    }

    /** How many fields are read. */
    int size() {
        return items.size();
    }
}
