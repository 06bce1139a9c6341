import WhistleMessages

/// What the classifier decided for a demand.
public enum KeywordClassification: Sendable, Hashable {
    /// The demand named its category; classification did not run.
    case given(String)
    /// The single best leaf category by keyword score.
    case category(code: String, score: Int)
    /// No keyword matched, or two or more leaves share the best score: the command center decides.
    case triage

    /// The category code, when there is one.
    public var categoryCode: String? {
        switch self {
        case .given(let code), .category(let code, _): code
        case .triage: nil
        }
    }
}

/// Picks a leaf category from a demand's title and content by zh-CN keywords.
///
/// Matching: the title and the content are normalised as `TextSimilarity.normalizedScalars`
/// describes (white space and punctuation removed, lowercased), and so is every keyword; a
/// keyword matches when it occurs as a contiguous run in the normalised title or in the
/// normalised content (Chinese has no word boundaries, so this is substring matching; title and
/// content are searched separately so that no match spans the two).
///
/// Scoring: a leaf's score is the sum of the lengths, in Unicode scalars after normalisation, of
/// its distinct keywords that match, so `下水道堵塞` (5) outweighs `盖板` (2), and a keyword listed
/// twice counts once. Nested keywords both count (`井盖缺失` matches `井盖` too: 4 + 2 = 6).
///
/// Candidates are the leaves only (categories that are no category's parent); keywords on a parent
/// are ignored. The highest score wins; a score of 0 or a tie at the top is `.triage`. The result
/// depends only on the categories and the text, never on their order.
public struct KeywordClassifier: Sendable {
    private struct Leaf: Sendable {
        var code: String
        var keywords: [[Unicode.Scalar]]
    }

    private let leaves: [Leaf]

    /// - Parameter categories: the whole category table (parents and leaves).
    public init(categories: [Category]) {
        let parents = Set(categories.compactMap(\.parent))
        var seen: Set<String> = []
        var leaves: [Leaf] = []
        for category in categories.sorted(by: { $0.code < $1.code })
        where !parents.contains(category.code) && seen.insert(category.code).inserted {
            var distinct: Set<[Unicode.Scalar]> = []
            var keywords: [[Unicode.Scalar]] = []
            for keyword in category.keywords {
                let scalars = TextSimilarity.normalizedScalars(keyword)
                if !scalars.isEmpty, distinct.insert(scalars).inserted { keywords.append(scalars) }
            }
            leaves.append(Leaf(code: category.code, keywords: keywords))
        }
        self.leaves = leaves
    }

    /// A classifier over the categories of a reference snapshot.
    public init(reference: ReferenceData) {
        self.init(categories: Array(reference.categories.values))
    }

    /// The demand's own `category` when it has one; otherwise the keyword result for its title
    /// and content.
    public func classify(_ demand: Demand) -> KeywordClassification {
        if let given = demand.category { return .given(given) }
        return classify(title: demand.title, content: demand.content)
    }

    /// The keyword result for a title (optional) and content.
    public func classify(title: String?, content: String) -> KeywordClassification {
        let scores = self.scores(title: title, content: content)
        guard let best = scores.values.max(), best > 0 else { return .triage }
        let winners = scores.filter { $0.value == best }
        guard winners.count == 1, let winner = winners.first else { return .triage }
        return .category(code: winner.key, score: best)
    }

    /// Every leaf with a positive score, by code: the detail behind `classify`.
    public func scores(title: String?, content: String) -> [String: Int] {
        let texts = [title.map(TextSimilarity.normalizedScalars) ?? [], TextSimilarity.normalizedScalars(content)]
        var scores: [String: Int] = [:]
        for leaf in leaves {
            var score = 0
            for keyword in leaf.keywords where texts.contains(where: { TextSimilarity.contains($0, keyword) }) {
                score += keyword.count
            }
            if score > 0 { scores[leaf.code] = score }
        }
        return scores
    }
}
