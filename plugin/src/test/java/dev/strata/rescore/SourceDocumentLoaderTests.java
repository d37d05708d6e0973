package dev.strata.rescore;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.index.fieldvisitor.FieldsVisitor;
import org.elasticsearch.index.mapper.Uid;
import org.elasticsearch.search.lookup.Source;
import org.elasticsearch.search.lookup.SourceProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads _id and _source from a real Lucene index laid out as Elasticsearch stores them. */
class SourceDocumentLoaderTests {

    private static Document doc(String id, String sourceJson) {
        Document d = new Document();
        d.add(new StoredField("_id", Uid.encodeId(id)));
        d.add(new StoredField("_source", new BytesRef(sourceJson.getBytes(StandardCharsets.UTF_8))));
        return d;
    }

    /** The stored-source path of Elasticsearch's own provider: the _source stored field. */
    private static final SourceProvider STORED_SOURCE = (leaf, doc) -> {
        FieldsVisitor visitor = new FieldsVisitor(true);
        leaf.reader().storedFields().document(doc, visitor);
        return Source.fromBytes(visitor.source());
    };

    @Test
    void loadsIdsAndFieldsAcrossSegmentsInRankOrder() throws IOException {
        try (Directory dir = new ByteBuffersDirectory()) {
            try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setMergePolicy(NoMergePolicy.INSTANCE))) {
                w.addDocument(doc("fridge-1", "{\"title\": \"Fridge A+++\", \"description\": \"Quiet\", \"price\": 499}"));
                w.addDocument(doc("42", "{\"title\": \"Freezer\", \"tags\": [\"cold\", \"big\"], \"meta\": {\"brand\": \"Acme\"}}"));
                w.commit(); // second segment
                w.addDocument(doc("x/y", "{\"title\": \"Kühlschrank 🧊\", \"description\": null}"));
                w.commit();
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertEquals(2, reader.leaves().size());
                IndexSearcher searcher = new IndexSearcher(reader);
                DocumentLoader loader = new SourceDocumentLoader(searcher, STORED_SOURCE, List.of("title", "description", "meta.brand", "tags"));
                List<RerankDocument> docs = loader.load(new int[] { 2, 0, 1 });

                assertEquals(List.of("x/y", "fridge-1", "42"), docs.stream().map(RerankDocument::id).toList());
                assertEquals(
                    Map.of("title", "Kühlschrank 🧊", "description", "", "meta.brand", "", "tags", ""),
                    docs.get(0).fields()
                );
                assertEquals(Map.of("title", "Fridge A+++", "description", "Quiet", "meta.brand", "", "tags", ""), docs.get(1).fields());
                assertEquals(Map.of("title", "Freezer", "description", "", "meta.brand", "Acme", "tags", "cold big"), docs.get(2).fields());
                // Field order follows the request's rank_fields.
                assertEquals(List.of("title", "description", "meta.brand", "tags"), List.copyOf(docs.get(2).fields().keySet()));
            }
        }
    }

    @Test
    void textOfPrintsScalarsJoinsArraysAndCutsLongValues() {
        assertEquals("499", SourceDocumentLoader.textOf(499));
        assertEquals("true", SourceDocumentLoader.textOf(true));
        assertEquals("a 1 b", SourceDocumentLoader.textOf(List.of("a", 1, List.of("b"), Map.of("k", "v"))));
        assertEquals("", SourceDocumentLoader.textOf(Map.of("k", "v")));
        assertEquals("", SourceDocumentLoader.textOf(null));
        String longText = "x".repeat(SourceDocumentLoader.MAX_FIELD_CHARS + 5);
        assertEquals(SourceDocumentLoader.MAX_FIELD_CHARS, SourceDocumentLoader.textOf(longText).length());
        // A surrogate pair at the cut is not split.
        String emoji = "x".repeat(SourceDocumentLoader.MAX_FIELD_CHARS - 1) + "🧊";
        String cut = SourceDocumentLoader.textOf(emoji);
        assertTrue(Character.isHighSurrogate(cut.charAt(cut.length() - 1)) == false);
    }
}
