import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// What intake's candidate query asks of `MergePolicy`: which states may absorb a demand, and
/// the box that surely holds the merge radius at any latitude.
@Suite("Merge search")
struct MergeSearchTests {
    @Test("a ticket absorbs a new demand while its work goes on, not once resolved, closed or rejected")
    func absorbingStatuses() {
        #expect(MergePolicy.absorbingStatuses == [.accepted, .triage, .dispatched, .inProgress])
        for status in [TicketStatus.resolved, .closed, .rejected] { #expect(!MergePolicy.absorbs(status), "\(status)") }
        for status in [TicketStatus.accepted, .triage, .dispatched, .inProgress] { #expect(MergePolicy.absorbs(status), "\(status)") }
    }

    @Test("the search box holds every point within the radius, at the equator, in Kunming, in Harbin and near the pole")
    func searchBoxHoldsTheRadius() {
        let policy = MergePolicy()
        for latitude in [0.0, 25.02, 45.75, -33.9, 80.0] {
            let box = policy.searchBox(latitude: latitude)
            // Walk the circle of the merge radius: every point must fall inside the box.
            for step in 0..<72 {
                let bearing = Double(step) * 5 * Double.pi / 180
                let dLat = policy.maxDistanceMeters * cos(bearing) / (MergePolicy.earthRadiusMeters * Double.pi / 180)
                let dLon =
                    policy.maxDistanceMeters * sin(bearing)
                    / (MergePolicy.earthRadiusMeters * Double.pi / 180 * cos((latitude + dLat) * Double.pi / 180))
                #expect(abs(dLat) <= box.latitude && abs(dLon) <= box.longitude, "latitude \(latitude), bearing \(step * 5)°")
                let distance = MergePolicy.distanceMeters(lat1: latitude, lon1: 100, lat2: latitude + dLat, lon2: 100 + dLon)
                #expect(abs(distance - policy.maxDistanceMeters) < 1, "the walk is on the circle")
            }
        }
        let kunming = policy.searchBox(latitude: 25.02)
        #expect(kunming.latitude < 0.003 && kunming.longitude < 0.0033, "a few hundred metres, not a city")
    }

    @Test("a larger radius makes a larger box")
    func boxGrowsWithTheRadius() {
        let near = MergePolicy(maxDistanceMeters: 200).searchBox(latitude: 30)
        let far = MergePolicy(maxDistanceMeters: 1000).searchBox(latitude: 30)
        #expect(far.latitude > near.latitude * 4.9 && far.longitude > near.longitude * 4.9)
    }
}
