package org.stirshield.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a Jackson tree that remembers the line of every mapping key and sequence item,
 * so that policy errors can say {@code file:line: reason}. Duplicate keys are an error.
 */
final class LocatedYaml {
    private static final YAMLFactory FACTORY = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 32;

    final String file;
    final JsonNode root;
    private final Map<JsonNode, Map<String, Integer>> keyLines = new IdentityHashMap<>();
    private final Map<JsonNode, List<Integer>> itemLines = new IdentityHashMap<>();
    private final Map<JsonNode, Integer> nodeLines = new IdentityHashMap<>();

    private LocatedYaml(String file, InputStream in) throws PolicyException {
        this.file = file;
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            root = t == null ? NODES.objectNode() : read(p, t, 0);
            if (p.nextToken() != null) {
                throw new PolicyException(file, line(p), "more than one YAML document");
            }
        } catch (JsonProcessingException e) {
            throw new PolicyException(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                    "invalid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new PolicyException(file, 0, "cannot read: " + e.getMessage());
        }
    }

    static LocatedYaml parse(String file, InputStream in) throws PolicyException {
        return new LocatedYaml(file, in);
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }

    private JsonNode read(JsonParser p, JsonToken t, int depth) throws IOException, PolicyException {
        if (depth > MAX_DEPTH) {
            throw new PolicyException(file, line(p), "nested too deeply");
        }
        int at = line(p);
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                Map<String, Integer> lines = new HashMap<>();
                keyLines.put(o, lines);
                nodeLines.put(o, at);
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    int keyLine = line(p);
                    if (o.has(name)) {
                        throw new PolicyException(file, keyLine, "duplicate key '" + name + "' (first at line "
                                + lines.get(name) + ")");
                    }
                    lines.put(name, keyLine);
                    o.set(name, read(p, p.nextToken(), depth + 1));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                List<Integer> lines = new ArrayList<>();
                itemLines.put(a, lines);
                nodeLines.put(a, at);
                JsonToken v;
                while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                    lines.add(line(p));
                    a.add(read(p, v, depth + 1));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                // keep the text: "+52 55 3686 5100" is a string, but an unquoted 12308 must stay digits
                return NODES.textNode(p.getText());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new PolicyException(file, at, "unexpected YAML token " + t);
        }
    }

    /** The line of key {@code name} in mapping {@code parent}, else of the mapping, else 0. */
    int line(JsonNode parent, String name) {
        Map<String, Integer> m = keyLines.get(parent);
        Integer l = m == null ? null : m.get(name);
        return l != null ? l : line(parent);
    }

    /** The line of item {@code i} in sequence {@code parent}. */
    int line(JsonNode parent, int i) {
        List<Integer> l = itemLines.get(parent);
        return l != null && i < l.size() ? l.get(i) : line(parent);
    }

    /** The line where a mapping or sequence starts, or 0. */
    int line(JsonNode node) {
        Integer l = nodeLines.get(node);
        return l == null ? 0 : l;
    }
}
