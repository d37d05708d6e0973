package dev.strata.rescore;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One hit as sent to the service: its {@code _id} and the text of each requested field (in request order).
 */
public record RerankDocument(String id, Map<String, String> fields) {
    public RerankDocument {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }
}
