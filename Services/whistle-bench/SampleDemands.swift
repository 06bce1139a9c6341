import Foundation
import WhistleMessages

/// Realistic demand bodies from the sample folder, made unique per bench message.
struct SampleDemands: @unchecked Sendable {  // immutable after load
    let templates: [(Channel, [String: Any])]

    static func load(from folder: String) throws -> SampleDemands {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") && !$0.contains("invalid") }
            .sorted()
        var templates: [(Channel, [String: Any])] = []
        for name in names {
            guard let prefix = name.split(separator: "-").first, let channel = Channel(rawValue: String(prefix)) else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
            guard let body = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            templates.append((channel, body))
        }
        guard !templates.isEmpty else { throw BenchError("no sample demands in \(folder)") }
        return SampleDemands(templates: templates)
    }

    /// The `i`-th body: a sample in rotation (every channel in turn) with its own external id.
    /// With `distinct`, no two bodies are the same matter (并单 would otherwise fold a burst of
    /// 25 samples into a few tickets): demands other than grid reports lose their place (merging
    /// needs one), and grid reports carry a long pseudo-random tail that keeps their texts apart.
    func body(_ i: Int, run: String, distinct: Bool = false) -> (Channel, [UInt8]) {
        var (channel, body) = templates[i % templates.count]
        body["external_id"] = "\(run)-\(i)"
        if distinct {
            if channel == .grid {
                // 200 pseudo-random ideographs: two such tails share no character pair, so the
                // texts' bigram similarity falls well below the merge threshold.
                var state = UInt64(truncatingIfNeeded: i) &+ 0x9E37_79B9_7F4A_7C15
                let serial = String(
                    String.UnicodeScalarView(
                        (0..<200).compactMap { _ -> Unicode.Scalar? in
                            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                            return Unicode.Scalar(0x4E00 + UInt32((state >> 33) % 20_902))
                        }))
                body["content"] = "\(body["content"] as? String ?? "") 巡查流水 \(serial)"
            } else {
                body["location"] = nil
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return (channel, Array(data))
    }
}
