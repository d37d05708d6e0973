package dev.strata.rescore;

import java.io.IOException;
import java.util.List;

/** Reads what the service needs of each hit ({@code _id} and the requested {@code _source} fields). */
@FunctionalInterface
public interface DocumentLoader {
    /**
     * @param topLevelDocIds Lucene doc ids of the shard's top-level reader, in rank order
     * @return one document per id, in the same order
     */
    List<RerankDocument> load(int[] topLevelDocIds) throws IOException;
}
