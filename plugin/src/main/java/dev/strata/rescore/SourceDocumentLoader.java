package dev.strata.rescore;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.IndexSearcher;
import org.elasticsearch.common.xcontent.support.XContentMapValues;
import org.elasticsearch.index.fieldvisitor.FieldsVisitor;
import org.elasticsearch.search.lookup.Source;
import org.elasticsearch.search.lookup.SourceProvider;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Loads {@code _id} from stored fields and the requested fields from {@code _source} through the shard's
 * {@link SourceProvider} (which handles stored and synthetic source alike).
 */
final class SourceDocumentLoader implements DocumentLoader {
    /**
     * Rerankers read a few hundred tokens; longer field values are cut so a window of long descriptions stays a
     * request of reasonable size (the service's default body limit is 10 MB).
     */
    static final int MAX_FIELD_CHARS = 10_000;

    private final IndexSearcher searcher;
    private final SourceProvider sources;
    private final List<String> fields;

    SourceDocumentLoader(IndexSearcher searcher, SourceProvider sources, List<String> fields) {
        this.searcher = searcher;
        this.sources = sources;
        this.fields = fields;
    }

    @Override
    public List<RerankDocument> load(int[] topLevelDocIds) throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        // Read in doc id order: stored fields and synthetic source are sequential per segment.
        Integer[] order = new Integer[topLevelDocIds.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(topLevelDocIds[a], topLevelDocIds[b]));

        RerankDocument[] out = new RerankDocument[topLevelDocIds.length];
        FieldsVisitor idVisitor = new FieldsVisitor(false);
        for (int position : order) {
            int docId = topLevelDocIds[position];
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(docId, leaves));
            int leafDoc = docId - leaf.docBase;

            idVisitor.reset();
            leaf.reader().storedFields().document(leafDoc, idVisitor);
            String id = idVisitor.id();
            if (id == null) {
                throw new IOException("document " + docId + " has no _id stored field");
            }

            Source source = sources.getSource(leaf, leafDoc);
            Map<String, Object> map = source == null ? Map.of() : source.source();
            Map<String, String> values = new LinkedHashMap<>();
            for (String field : fields) {
                values.put(field, textOf(XContentMapValues.extractValue(field, map)));
            }
            out[position] = new RerankDocument(id, values);
        }
        return Arrays.asList(out);
    }

    /**
     * The text the service sees for one field: strings as they are, numbers and booleans printed, arrays joined
     * with spaces, missing values and objects as "" (every document carries every rank field).
     */
    static String textOf(Object value) {
        String text;
        if (value == null || value instanceof Map) {
            text = "";
        } else if (value instanceof Collection<?> list) {
            StringJoiner joined = new StringJoiner(" ");
            for (Object item : list) {
                String part = textOf(item);
                if (part.isEmpty() == false) {
                    joined.add(part);
                }
            }
            text = joined.toString();
        } else {
            text = value.toString();
        }
        if (text.length() <= MAX_FIELD_CHARS) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_FIELD_CHARS - 1)) ? MAX_FIELD_CHARS - 1 : MAX_FIELD_CHARS;
        return text.substring(0, end);
    }
}
