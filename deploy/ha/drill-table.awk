# drill-table.awk — the HA drill's count (deploy/ha-drill.sh):
#   awk -f drill-table.awk FAULTS DATABASE STREAM_LOG
# FAULTS:    F <ms> <fault…>                 one line per phase, in order; the last is "end"
# DATABASE:  D <message_id> <rows>           how often the database recorded each demand of the run
#            S <assignment_id>               each assignment of the run's tickets
#            R <n>                           dispatch rounds recorded twice
# STREAM:    C|U <ms> <message_id>           confirmed / not confirmed by the broker
#            O <ms> <type> <message_id>      an outcome event
#            A <ms> <assignment_id> <ticket> an assignment read from a department queue
# Prints a Markdown table per phase (demands confirmed in it, with an outcome, lost, duplicated,
# the interruption: the longest pause of confirmations, outcomes or assignments from the fault on),
# the totals, and "RESULT ok" or "RESULT FAILED".
FILENAME == ARGV[1] && $1 == "F" {
    n++
    start[n] = $2
    name[n] = $3
    for (i = 4; i <= NF; i++) name[n] = name[n] " " $i
    next
}
FILENAME == ARGV[2] {
    if ($1 == "D") recorded[$2] = $3
    else if ($1 == "S") { expected[$2] = 1; assignments++ }
    else if ($1 == "R") rounds_twice += $2
    next
}
function phase(t,    i) {
    for (i = n; i > 1; i--) if (t >= start[i]) return i
    return 1
}
function pause(stream, t,    p) {
    p = phase(t)
    if (p >= n) return
    if (!((stream, p) in prev)) prev[stream, p] = start[p]
    if (t < prev[stream, p]) return
    if (t - prev[stream, p] > gap[stream, p]) gap[stream, p] = t - prev[stream, p]
    prev[stream, p] = t
}
$1 == "C" { confirmed_in[$3] = phase($2); pause("C", $2) }
$1 == "U" { unconfirmed++ }
$1 == "O" {
    if ($4 in outcome) outcome_repeats++
    outcome[$4]++
    pause("O", $2)
}
$1 == "A" {
    if ($3 in arrived) assignment_repeats++
    arrived[$3] = 1
    pause("A", $2)
}
END {
    for (id in confirmed_in) {
        p = confirmed_in[id]
        if (p >= n) p = n - 1  # confirmed just as publishing ended: the last phase's
        demands[p]++
        if (id in outcome) outcomes[p]++
        if (!(id in outcome) || !(id in recorded)) lost[p]++
        if (recorded[id] > 1) duplicated[p]++
    }
    printf "| fault | demands | outcomes | lost | duplicated | interruption |\n|---|---:|---:|---:|---:|---:|\n"
    for (p = 1; p < n; p++) {
        worst = 0; which = "-"
        split("C O A", streams, " ")
        for (s = 1; s <= 3; s++) {
            k = streams[s]
            last = ((k, p) in prev) ? prev[k, p] : start[p]
            g = gap[k, p] + 0
            if (start[p + 1] - last > g) g = start[p + 1] - last
            if (g > worst) { worst = g; which = (k == "C" ? "confirms" : k == "O" ? "outcomes" : "assignments") }
        }
        printf "| %s | %d | %d | %d | %d | %.1f s (%s) |\n", name[p], demands[p], outcomes[p], lost[p], duplicated[p], worst / 1000, which
        total_d += demands[p]; total_o += outcomes[p]; total_l += lost[p]; total_dup += duplicated[p]
    }
    printf "| **total** | **%d** | **%d** | **%d** | **%d** | |\n\n", total_d, total_o, total_l, total_dup
    for (id in expected) if (!(id in arrived)) missing++
    reached = 0
    for (id in expected) if (id in arrived) reached++
    printf "- assignments of the drill's tickets: %d, reached a department queue: %d, missing: %d; repeats on the wire (same id, a department ignores them): %d\n", assignments, reached, missing + 0, assignment_repeats + 0
    printf "- dispatch rounds recorded twice: %d; outcome events repeated on the wire (same demand): %d; publishes the broker did not confirm (not counted): %d\n", rounds_twice + 0, outcome_repeats + 0, unconfirmed + 0
    bad = total_l + total_dup + missing + rounds_twice
    if (total_d == 0) bad = 1
    printf "\nRESULT %s: lost %d, duplicated %d\n", (bad == 0 ? "ok" : "FAILED"), total_l + missing, total_dup + rounds_twice
}
