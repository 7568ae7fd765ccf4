"""Notification builders: one notification (single) or a stack from one app (stacked).

Each document is one notification: "App · time", a title line, and the body. Stacks are
sequences of events from the same app; a later notification may update an earlier one
(a moved meeting, a delayed parcel), and the key facts then hold the latest state.
"""

from __future__ import annotations

from evalkit.summarization import pools
from evalkit.summarization.gen_common import assemble, pads_for, phrases
from evalkit.summarization.gen_message import casual_time
from evalkit.summarization.world import Doc, Draft, World


def note(w: World, app: str, title: str, *body: str) -> Doc:
    head = f"{app} · {w.clock_text()}"
    if title:
        head += f"\n{title}"
    return Doc("notification", head, [b for b in body if b])


# --------------------------------------------------------------------------------------
def messaging(w: World, n: int, size: str) -> Draft:
    app = w.pick(pools.CHAT_APPS)
    friend, other = w.person(), w.person()
    group = (
        w.pick(
            [
                "",
                "",
                f"{w.pick(pools.HOBBIES).title()} crew",
                "Family",
                "Flatmates",
                f"{w.city()} trip",
                "Book club",
            ]
        )
        if size != "short"
        else ""
    )
    place1, place2 = w.venue(), w.venue()
    day = w.day(0, 6)
    t1, t2 = w.time(11, 21), w.time(11, 21)
    changed = (n > 1 and w.chance(0.65)) or (n == 1 and size != "short" and w.chance(0.3))

    def title(p: object) -> str:
        return f"{p} ({group})" if group else str(p)

    def plan_text() -> str:
        if size == "short":
            return w.say("{p} {d} at {t}[?|!]", p=place1, d=day.wd, t=casual_time(w, t1))
        return w.say(
            "[Still on for|Are we doing|Reminder:] {p} on {d} at {t}[?|!|]",
            p=place1,
            d=day.wd,
            t=casual_time(w, t1),
        )

    def change_text() -> str:
        if size == "short":
            return w.say("[Actually|Change:] {p2} at {t} instead", p2=place2, t=casual_time(w, t2))
        return w.say(
            "[Change of plan|Actually|Update]: [{p1} is full|{p1} closed early], "
            "[let's do|meet at] {p2} at {t} instead",
            p1=place1,
            p2=place2,
            t=casual_time(w, t2),
        )

    final_place, final_t = (place2, t2) if changed else (place1, t1)
    facts = [friend.full, final_place, final_t, day.wd]
    superseded = [place1, t1] if changed else []
    pads = pads_for(w, _messaging_pads(w))

    if n == 1:
        body = [plan_text()]
        if size != "short":
            body.append(
                w.say(
                    "[I booked|I'll get] a table for {k}[ under {p}|]",
                    k=w.number(2, 8),
                    p=friend.first,
                )
            )
        if changed:
            body.append(change_text())
        return Draft([note(w, app, title(friend.full), *body)], facts, superseded, pads)

    def reply_other() -> Doc:
        return note(
            w,
            app,
            title(other.full),
            w.say(
                "[I'm in|Can't make it|Running {k} min late][, save me a seat at {v}|]",
                k=w.number(5, 30),
                v=place1,
            ),
        )

    def photo() -> Doc:
        return note(w, app, title(friend.full), w.say("[Sent a photo|📷 Photo]"))

    def link() -> Doc:
        return note(
            w,
            app,
            title(other.full),
            w.say(
                "[Menu|Directions|Their website]: {v}.example/[menu|map|book]",
                v=final_place.split()[0].lower(),
            ),
        )

    def question() -> Doc:
        return note(
            w,
            app,
            title(other.full),
            w.say(
                "[Should I bring|Do we need] [cash|the {d}|a jacket] for {wd}?",
                d=w.pick(pools.DISHES),
                wd=day.wd,
            ),
        )

    def change() -> Doc:
        return note(w, app, title(friend.full), change_text())

    def ok() -> Doc:
        return note(
            w,
            app,
            title(other.full),
            w.say("[👍|Ok|Sounds good], {p} at {t}", p=final_place, t=casual_time(w, final_t)),
        )

    first = lambda: note(w, app, title(friend.full), plan_text())  # noqa: E731
    tail = [change, ok] if changed else [ok]
    docs = assemble(w, n, first, [reply_other, photo, link, question], tail, rounds=2)
    return Draft(docs, facts, superseded, pads)


def _messaging_pads(w: World) -> list:
    return phrases(
        w,
        (
            "[Also|Btw] {p} [says hi|got the tickets for {d}]",
            lambda: dict(p=w.person().first, d=w.day(2, 20).wd),
        ),
        (
            "[Traffic on|Stuck on] {s} [is awful|again][, might be {k} min late|]",
            lambda: dict(
                s=w.pick(pools.STREETS) + " " + w.pick(pools.STREET_TYPES), k=w.number(5, 25)
            ),
        ),
        (
            "[I owe you|Sending you] {a} [for last time|for the {x}]",
            lambda: dict(a=w.money(5, 60), x=w.pick(["taxi", "tickets", "pizza", "gift"])),
        ),
        (
            "[I booked|Booked] a table for {k} under {p}[, ask for the back room|]",
            lambda: dict(k=w.number(3, 9), p=w.person().first),
        ),
        (
            "[Bring|Don't forget] [cash|your ID|a jacket], [the card machine is "
            "broken|it's outside|they check at the door]",
            lambda: {},
        ),
        (
            "{p} and {q} are coming too[, {q} might be late|]",
            lambda: dict(p=w.person().first, q=w.person().first),
        ),
        (
            "[Call me if you get lost|If you can't find it call me]: {ph}",
            lambda: dict(ph=f"0{w.code(3)} {w.code(3)} {w.code(3)}"),
        ),
        (
            "[It's|Remember it's] {p}'s birthday[, I got a card we can all sign| so bring a card]",
            lambda: dict(p=w.person().first),
        ),
    )


# --------------------------------------------------------------------------------------
def calendar(w: World, n: int, size: str) -> Draft:
    app = w.pick(["Calendar", "Calendar", "Outlook"])
    events = []
    for _ in range(max(n, 2)):
        events.append(
            {
                "name": w.pick(
                    [
                        f"{w.topic()} {w.pick(['review', 'sync', 'kickoff', 'demo'])}",
                        f"Dentist - Dr. {w.person().last}",
                        f"{w.person().first}'s birthday dinner",
                        f"1:1 with {w.person().first}",
                        f"{w.pick(pools.HOBBIES).title()} class",
                        "Parent-teacher meeting",
                        f"Flight to {w.city()}",
                    ]
                ),
                "day": w.day(0, 9),
                "time": w.time(8, 19),
                "place": w.pick([w.room(), w.address(), w.venue(), "Video call"]),
            }
        )
    main = events[0]
    moved = (n > 1 and w.chance(0.6)) or (n == 1 and size != "short" and w.chance(0.4))
    new_day, new_time = w.day(0, 9), w.time(8, 19)

    def invite(ev: dict) -> Doc:
        if size == "short" and n > 1:
            return note(w, app, ev["name"], f"{ev['day'].short}, {ev['time']}")
        body = [w.say("{d} at {t} · {p}", d=ev["day"].full, t=ev["time"], p=ev["place"])]
        if size == "long" and n == 1:
            body.append(
                w.say(
                    "[Organizer|Invited by] {o}[; {k} guests| · {k} accepted]",
                    o=w.person().full,
                    k=w.number(2, 14),
                )
            )
        return note(w, app, ev["name"], *body)

    def moved_doc() -> Doc:
        if size == "short":
            return note(w, app, "Moved", f"{main['name']}: {new_day.short}, {new_time}")
        return note(
            w,
            app,
            w.say("[Updated|Rescheduled|Time changed]: {e}", e=main["name"]),
            w.say(
                "[Now|Moved to] {d} at {t}[ · {p}|]", d=new_day.full, t=new_time, p=main["place"]
            ),
        )

    final_day, final_t = (new_day, new_time) if moved else (main["day"], main["time"])
    facts = [main["name"], final_day.full, final_t, main["place"]]
    for ev in events[1:3]:
        facts.append(ev["name"])
    superseded = [main["day"].full, main["time"]] if moved else []
    pads = pads_for(w, _calendar_pads(w), doc=0 if n == 1 else None)

    if n == 1:
        doc = invite(main)
        if moved:
            doc = note(
                w,
                app,
                w.say("[Updated|Rescheduled]: {e}", e=main["name"]),
                w.say(
                    "Moved from {od} at {ot} to {d} at {t} · {p}",
                    od=main["day"].md,
                    ot=main["time"],
                    d=new_day.full,
                    t=new_time,
                    p=main["place"],
                ),
            )
        return Draft([doc], facts, superseded, pads)

    def reminder() -> Doc:
        ev = w.pick(events[1:])
        return note(
            w,
            app,
            ev["name"],
            w.say("[In 15 minutes|In 1 hour|Tomorrow] · {t} · {p}", t=ev["time"], p=ev["place"]),
        )

    def other_invite() -> Doc:
        return invite(w.pick(events[1:]))

    def accepted() -> Doc:
        return note(
            w,
            app,
            w.say("{p} [accepted|declined|tentatively accepted]", p=w.person().full),
            w.say("{e} · {d}", e=main["name"], d=main["day"].md),
        )

    docs = assemble(
        w,
        n,
        lambda: invite(main),
        [reminder, other_invite, accepted],
        [moved_doc] if moved else [],
        rounds=2,
    )
    return Draft(docs, facts, superseded, pads)


def _calendar_pads(w: World) -> list:
    return phrases(
        w,
        (
            "[Notes|Agenda]: [bring the {f}|review the {t} beforehand|{p} presents first]",
            lambda: dict(f=w.pick(pools.FILE_KINDS), t=w.topic(), p=w.person().first),
        ),
        (
            "[Leave by|Time to leave:] {t}[ - {k} min drive| ({k} min by train)]",
            lambda: dict(t=w.time(7, 18), k=w.number(10, 55)),
        ),
        ("[Join|Meeting ID] {c}[ · passcode {p}|]", lambda: dict(c=w.code(9), p=w.code(6))),
        (
            "[Organizer|Invited by]: {p} ({e})",
            lambda: dict(p=(x := w.person()).full, e=x.email(w.domain(w.company()))),
        ),
        (
            "[Attendees|Guests]: {a}, {b}, {c}[ and {k} others|]",
            lambda: dict(
                a=w.person().first, b=w.person().first, c=w.person().first, k=w.number(2, 12)
            ),
        ),
        ("[Alert|Reminder set]: {k} minutes before", lambda: dict(k=w.pick([5, 10, 15, 30, 60]))),
        (
            "[Repeats|Recurring] every {d}[ until {m}|]",
            lambda: dict(d=w.day(1, 7).wd, m=w.day(30, 120).md),
        ),
        (
            "[Directions|Entrance]: {s}, [floor {k}|suite {k}]",
            lambda: dict(s=w.address(), k=w.number(2, 30)),
        ),
    )


# --------------------------------------------------------------------------------------
def delivery(w: World, n: int, size: str) -> Draft:
    carrier = w.pick(pools.CARRIERS)
    store = w.store()
    item = w.product()
    day = w.day(0, 5)
    window = f"{w.time(8, 13)} - {w.time(14, 20)}"
    spot = w.pick(
        ["front door", "parcel locker", "reception", "back porch", "neighbor at " + w.address()]
    )
    tracking = w.code(10, prefix=w.pick(["PP", "SS", "CR"]))
    delayed = (n > 1 and w.chance(0.45)) or (n == 1 and w.chance(0.2))
    new_day = w.day(1, 4, after=day)
    second_store, second_item = w.store(), w.product()
    final_day = new_day if delayed else day

    def status(kind: str) -> Doc:
        text = {
            "ordered": ("Order confirmed", "{s}: your {i} ships soon · tracking {k}"),
            "shipped": ("Shipped", "Your {i} from {s} is on its way · arrives {d}"),
            "out": ("Out for delivery", "Your {i} from {s} arrives {d}, {win}"),
            "delayed": ("Delivery delayed", "Your {i} from {s} will now arrive {d}, not {old}"),
            "delivered": ("Delivered", "Your {i} from {s} was left at the {spot}"),
        }[kind]
        when = new_day if kind in ("delayed", "delivered") and delayed else day
        if size == "short":  # compact wording for tiny stacks
            text = (
                text[0],
                {
                    "ordered": "{i} ships soon",
                    "shipped": "{i} arrives {d}",
                    "out": "{i} arrives {d}",
                    "delayed": "{i}: {d}, not {old}",
                    "delivered": "{i} left at the {spot}",
                }[kind],
            )
        d = when.short if size == "short" else when.full
        old = day.short if size == "short" else day.md
        return note(
            w,
            carrier,
            text[0],
            w.say(text[1], s=store, i=item, k=tracking, d=d, win=window, spot=spot, old=old),
        )

    def other() -> Doc:
        return note(
            w,
            carrier,
            w.pick(["Shipped", "Label created", "In transit"]),
            w.say(
                "Your {i} from {s} [arrives|is expected] {d}",
                i=second_item,
                s=second_store,
                d=w.day(2, 8).full,
            ),
        )

    facts = [item, store, final_day.full, window if not delayed else final_day.wd]
    superseded = [day.full] if delayed else []
    pads = pads_for(w, _delivery_pads(w))

    if n == 1:
        kind = "delayed" if delayed else w.pick(["out", "shipped"])
        doc = status(kind)
        if kind == "out" or size != "short":
            doc.body.append(w.say("[Delivery window|Expected] {win}", win=window))
        return Draft([doc], facts, superseded, pads)

    sequence = ["ordered", "shipped", "out"]
    if delayed:
        sequence = ["shipped", "out", "delayed"]
    if n > 3 and w.chance(0.5):
        sequence.append("delivered")
        facts.insert(2, spot)
    makers = [lambda k=k: status(k) for k in sequence]
    docs = assemble(w, n, makers[0], [other], makers[1:], rounds=2)
    if len(docs) < n:
        docs += [other() for _ in range(n - len(docs))]
    if n > len(sequence):
        facts.append(second_item)
    return Draft(docs, facts, superseded, pads)


def _delivery_pads(w: World) -> list:
    return phrases(
        w,
        (
            "[Your driver is|Driver:] {p}[, {k} stops away|]",
            lambda: dict(p=w.person().first, k=w.number(2, 15)),
        ),
        ("[Share this PIN with the driver|Delivery code]: {c}", lambda: dict(c=w.code(4))),
        (
            "[Add delivery instructions|Not home?] [in the app|Choose a {x}]",
            lambda: dict(x=w.pick(["neighbor", "safe place", "pickup point"])),
        ),
        (
            "[Order|Order number] {o} · {k} [item|items]",
            lambda: dict(o=w.code(7, prefix="#"), k=w.number(1, 4)),
        ),
        (
            "[Signature required|No signature needed][ - {p} can sign|]",
            lambda: dict(p=w.person().first),
        ),
        (
            "[Not home?|Away?] [Reroute to|Pick up at] the {s} locker[ at {a}|]",
            lambda: dict(s=w.pick(pools.STREETS), a=w.address()),
        ),
        (
            "[Package|Parcel] weight {k} kg · [{x} box|{x} envelope]",
            lambda: dict(
                k=f"{w.number(0, 14)}.{w.number(1, 9)}", x=w.pick(["large", "small", "medium"])
            ),
        ),
        (
            "[Rate your {c} delivery|How did {p} do?] [in the app|with a tap]",
            lambda: dict(c=w.pick(pools.CARRIERS), p=w.person().first),
        ),
    )


# --------------------------------------------------------------------------------------
def finance(w: World, n: int, size: str) -> Draft:
    bank = w.pick(pools.BANKS)
    card = w.code(4)
    merchants = w.shuffled(pools.MERCHANTS)
    amounts = [w.money(3, 380) for _ in range(max(n, 2) + 2)]
    balance = w.money(20, 240)
    bill_due = w.day(1, 9)
    bill = w.money(40, 320)
    salary = w.money(1200, 6200)
    flagged = w.chance(0.3)

    def purchase(i: int) -> Doc:
        if size == "short" and n > 1:
            return note(w, bank, "", f"{amounts[i]} at {merchants[i]}")
        return note(
            w,
            bank,
            w.pick(["Card purchase", "Payment", "Transaction"]),
            w.say(
                "{a} at {m}[ on your card ending {c}| · card {c}]",
                a=amounts[i],
                m=merchants[i],
                c=card,
            ),
        )

    def low() -> Doc:
        if size == "short" and n > 1:
            return note(w, bank, "", f"Low balance: {balance}")
        return note(
            w,
            bank,
            "Low balance",
            w.say(
                "[Your checking balance is|Balance now] {b}[, below your alert limit|]", b=balance
            ),
        )

    def due() -> Doc:
        if size == "short" and n > 1:
            return note(w, bank, "", f"{bill} bill due {bill_due.short}")
        return note(
            w,
            bank,
            "Bill due",
            w.say("{m} bill of {a} is due {d}", m=merchants[-1], a=bill, d=bill_due.full),
        )

    def deposit() -> Doc:
        if size == "short" and n > 1:
            return note(w, bank, "", f"Deposit: {salary}")
        return note(w, bank, "Deposit received", w.say("{a} from {c}", a=salary, c=w.company()))

    fraud_city = w.city()

    def fraud() -> Doc:
        if size == "short" and n > 1:
            return note(w, bank, "", f"{amounts[1]} at {merchants[1]}: you? Reply YES/NO")
        return note(
            w,
            bank,
            "Unusual activity",
            w.say(
                "Did you spend {a} at {m} in {c}? Reply YES or NO",
                a=amounts[1],
                m=merchants[1],
                c=fraud_city,
            ),
        )

    pads = pads_for(w, _finance_pads(w))
    if n == 1:
        kind = (
            w.pick(["purchase", "low", "due", "fraud"])
            if size != "short"
            else w.pick(["purchase", "low", "due"])
        )
        doc = {"purchase": lambda: purchase(0), "low": low, "due": due, "fraud": fraud}[kind]()
        facts = {
            "purchase": [amounts[0], merchants[0], card],
            "low": [balance, "low balance", bank],
            "due": [bill, merchants[-1], bill_due.full],
            "fraud": [amounts[1], merchants[1], fraud_city],
        }[kind]
        return Draft([doc], facts, [], pads)

    k = n - 1
    makers = [lambda i=i: purchase(i) for i in range(min(k, len(amounts)))]
    docs = [purchase(0) if not flagged else fraud()]
    tail_kind = w.pick(["low", "due", "deposit"])
    tail = {"low": low, "due": due, "deposit": deposit}[tail_kind]
    for i in range(1, n - 1):
        docs.append(makers[i % len(makers)]() if makers else purchase(i))
    docs.append(tail())
    tail_facts = {
        "low": [balance, "low balance"],
        "due": [bill, bill_due.full],
        "deposit": [salary],
    }[tail_kind]
    first_facts = [amounts[1], merchants[1]] if flagged else [amounts[0], merchants[0]]
    facts = tail_facts + first_facts + [merchants[i] for i in range(1, min(n - 1, 4))]
    return Draft(docs, facts, [], pads)


def _finance_pads(w: World) -> list:
    return phrases(
        w,
        ("[Available balance|Available]: {a}", lambda: dict(a=w.money(50, 4200))),
        (
            "[You earned|+] {k} [points|cashback points][ this month|]",
            lambda: dict(k=w.number(3, 240)),
        ),
        ("[Tap to|Open the app to] [review|freeze your card|see details]", lambda: {}),
        ("[Location|Where]: {c}[, {s}|]", lambda: dict(c=w.city(), s=w.address())),
        (
            "[Category|Spending category]: {x} · {k}% of your {m} budget",
            lambda: dict(
                x=w.pick(["Groceries", "Transport", "Dining", "Bills", "Shopping"]),
                k=w.number(5, 95),
                m=w.today.value.strftime("%B"),
            ),
        ),
        (
            "[Not you?|Don't recognize this?] Call {ph}[ or freeze the card|]",
            lambda: dict(ph=f"1-800-{w.code(3)}-{w.code(4)}"),
        ),
        ("[Pending|Posting] [until|on] {d}", lambda: dict(d=w.day(1, 3).md)),
        (
            "[Round-ups|Savings pot] [added|moved] {a} to [Holiday fund|Rainy day]",
            lambda: dict(a=w.money(0.2, 9)),
        ),
        (
            "[Merchant|Paid to]: {m} ({x})",
            lambda: dict(
                m=w.pick(pools.MERCHANTS),
                x=w.pick(["contactless", "online", "chip and PIN", "Apple Pay"]),
            ),
        ),
        (
            "[Daily limit|Remaining limit]: {a} of {b}",
            lambda: dict(a=w.money(50, 900), b=w.money(1000, 2500, cents=False)),
        ),
        (
            "[Your {m} statement is ready|Statement closes {d}]",
            lambda: dict(m=w.today.value.strftime("%B"), d=w.day(3, 20).md),
        ),
        (
            "[No foreign fee|Foreign fee] {a}[ · rate {r}|]",
            lambda: dict(a=w.money(0, 4), r=f"1.{w.number(5, 40):02d}"),
        ),
    )


# --------------------------------------------------------------------------------------
def news(w: World, n: int, size: str) -> Draft:
    outlet = w.pick(pools.NEWS_OUTLETS)

    def headline() -> tuple[str, str, list[str]]:
        city, other = w.city(), w.city()
        kind = w.pick(
            ["council", "sports", "weather", "business", "science", "transit", "culture", "health"]
        )
        amount = f"${w.number(2, 900)} million"
        pct = f"{w.number(2, 40)}%"
        team1 = f"{city} {w.pick(pools.SPORTS_MASCOTS)}"
        team2 = f"{other} {w.pick(pools.SPORTS_MASCOTS)}"
        score = f"{w.number(1, 6)}-{w.number(0, 5)}"
        company = w.company()
        jobs = w.number(40, 3000)
        hours = w.number(6, 48)
        templates = {
            "council": (
                f"{city} council approves {amount} plan for "
                + w.pick(
                    [
                        "a new tram line",
                        "flood defenses",
                        "school repairs",
                        "bike lanes",
                        "affordable housing",
                    ]
                ),
                [city, amount],
            ),
            "sports": (f"{team1} beat {team2} {score} to reach the final", [team1, score]),
            "weather": (
                f"Storm warning for {city}: winds up to {w.number(60, 130)} km/h for "
                f"the next {hours} hours",
                [city, f"{hours} hours"],
            ),
            "business": (
                f"{company} to {w.pick(['add', 'cut'])} {jobs} jobs in {city}",
                [company, str(jobs)],
            ),
            "science": (
                f"Researchers in {city} report {pct} gain in "
                + w.pick(["battery life", "crop yields", "solar efficiency", "vaccine response"]),
                [city, pct],
            ),
            "transit": (
                f"{city} metro line {w.number(1, 12)} closed until {w.day(2, 20).full} for repairs",
                [city, "closed"],
            ),
            "culture": (
                f"{city} film festival sells a record {w.number(20, 190)},000 tickets",
                [city, "film festival"],
            ),
            "health": (f"{city} hospitals report {pct} rise in flu cases this week", [city, pct]),
        }
        text, facts = templates[kind]
        if size == "short" and n > 1:  # the headline as a push alert would cut it
            text = {
                "council": f"{city} approves {amount} plan",
                "sports": f"{team1} beat {team2} {score}",
                "weather": f"{city} storm warning, next {hours} hours",
                "business": f"{company} to {w.pick(['add', 'cut'])} {jobs} jobs",
                "science": f"{city} study: {pct} gain",
                "transit": f"{city} metro line closed for repairs",
                "culture": f"{city} film festival sets record",
                "health": f"{city} flu cases up {pct}",
            }[kind]
        dek = w.say(
            "[Officials said|A spokesperson said|Analysts said] the [decision|result|"
            "figure] [came after|follows] [weeks of debate|a {k}-hour meeting|a record "
            "{m}].",
            k=w.number(3, 14),
            m=w.day(-60, -20).value.strftime("%B"),
        )
        return text, dek, facts

    stories = [headline() for _ in range(max(n, 1))]
    updated = n > 2 and w.chance(0.3)
    pads = pads_for(
        w, _news_pads(w, stories[0][2][0] if n == 1 else w.city()), doc=0 if n == 1 else None
    )
    if n == 1:
        text, dek, facts = stories[0]
        body = [dek] if size != "short" else []
        return Draft(
            [note(w, outlet, w.pick(["", "Breaking", "Top story"]), text, *body)],
            facts + [outlet],
            [],
            pads,
        )
    docs = []
    for text, dek, _ in stories:
        body = [dek] if size == "long" and w.chance(0.5) else []
        docs.append(
            note(w, outlet, w.pick(["", "", "Breaking", "Top story", "Local"]), text, *body)
        )
    facts = []
    for _, _, f in stories[:3]:
        facts.extend(f[:1])
    for _, _, f in stories[:3]:
        facts.extend(f[1:2])
    superseded: list[str] = []
    if updated:
        num = w.number(2, 40)
        old = stories[0][2][0]
        docs[-1] = note(
            w,
            outlet,
            "Update",
            w.say(
                "[Update on|More on] {o}: [officials now say|the final count is] {k} [people were "
                "affected|areas are affected]",
                o=old,
                k=num,
            ),
        )
        facts.insert(0, f"{num} people" if "people" in docs[-1].body[0] else f"{num} areas")
    return Draft(docs, facts, superseded, pads)


def _news_pads(w: World, city: str) -> list:
    return phrases(
        w,
        (
            "[Live updates|Follow live coverage] [from {c}|with {p}] [in the app|]",
            lambda: dict(c=city, p=w.person().full),
        ),
        (
            "[{k}-minute read|Read more] · [by|reporting by] {p}",
            lambda: dict(k=w.number(2, 9), p=w.person().full),
        ),
        (
            '"[This is|It\'s] a [big|difficult|long overdue] [step|moment] for {c}," said {p}.',
            lambda: dict(c=city, p=w.person().full),
        ),
        (
            "The [vote|decision] was {a} to {b}[ after {k} hours of debate|].",
            lambda: dict(a=w.number(5, 12), b=w.number(1, 4), k=w.number(2, 9)),
        ),
        (
            "[Work|The change] [starts|takes effect] [in {m}|on {d}][ and runs for {k} months|].",
            lambda: dict(
                m=w.day(30, 200).value.strftime("%B"), d=w.day(5, 60).md, k=w.number(3, 24)
            ),
        ),
        (
            "[Critics|Opponents], including {p}, [say|argue] the [cost|plan] [is too "
            "high|ignores the suburbs].",
            lambda: dict(p=w.person().full),
        ),
        (
            "[About|Nearly] {k},000 [residents|commuters|fans] [are affected|will "
            "benefit], [officials|organizers] [said|estimate].",
            lambda: dict(k=w.number(2, 300)),
        ),
    )


# --------------------------------------------------------------------------------------
def reminders(w: World, n: int, size: str) -> Draft:
    app = w.pick(["Reminders", "Reminders", "Todo"])
    tasks = []
    for _ in range(max(n, 2) + 1):
        kind = w.pick(["rent", "call", "pickup", "buy", "renew", "submit", "water", "book"])
        text = {
            "rent": ("Pay rent", f"{w.money(700, 2600, cents=False)} to {w.company()}"),
            "call": (f"Call {w.person().full}", f"about the {w.topic()}"),
            "pickup": (f"Pick up {w.person().first}", f"from {w.pick(pools.ACTIVITY_PLACES)}"),
            "buy": (f"Buy {w.pick(pools.GROCERIES)}", f"and {w.pick(pools.GROCERIES)}"),
            "renew": ("Renew passport", f"appointment at {w.address()}"),
            "submit": (f"Submit {w.topic()}", f"to {w.person().first}"),
            "water": ("Water the plants", f"at {w.person().first}'s"),
            "book": ("Book vet", f"for {w.pick(pools.PET_NAMES)}"),
        }[kind]
        tasks.append(
            {"title": text[0], "detail": text[1], "time": w.time(7, 21), "day": w.day(0, 5)}
        )

    def reminder(t: dict, today: bool = False) -> Doc:
        when = f"Today, {t['time']}" if today else f"{t['day'].full}, {t['time']}"
        body = [w.say("{d} · {w}", d=t["detail"], w=when, _capitalize=False)]
        return note(w, app, t["title"], *body)

    pads = pads_for(w, _reminder_pads(w), doc=0 if n == 1 else None)
    main = tasks[0]
    if n == 1:
        return Draft(
            [reminder(main)],
            [main["title"], main["time"], main["day"].full, main["detail"]],
            [],
            pads,
        )
    docs = [reminder(t, today=i == 0) for i, t in enumerate(tasks[:n])]
    facts = [main["title"], main["time"]] + [t["title"] for t in tasks[1:n]]
    facts += [t["time"] for t in tasks[1:n]]
    return Draft(docs, facts, [], pads)


def _reminder_pads(w: World) -> list:
    return phrases(
        w,
        (
            "[Subtasks|Checklist|Shopping list]: {a}, {b}[, {c}|]",
            lambda: dict(zip("abc", w.shuffled(pools.GROCERIES)[:3], strict=True)),
        ),
        ("[When I arrive at|Location:] {a}", lambda: dict(a=w.address())),
        (
            "[List|In list]: {x}",
            lambda: dict(x=w.pick(["Home", "Errands", "Work", "Family", "Groceries", "Admin"])),
        ),
        (
            "[Notes|Note]: [ask|remind] {p} about the {t}",
            lambda: dict(p=w.person().first, t=w.topic()),
        ),
        (
            "[Repeats|Repeat] [every {d}|monthly on the {k}]",
            lambda: dict(d=w.day(1, 7).wd, k=w.number(1, 28)),
        ),
        ("[Flagged|Priority: high] · [added by|shared by] {p}", lambda: dict(p=w.person().first)),
        ("[Link|URL]: {x}.example/{k}", lambda: dict(x=w.pick(pools.STREETS).lower(), k=w.code(5))),
        ("[Early reminder|Also remind me] {k} [hours|days] before", lambda: dict(k=w.number(1, 3))),
        (
            "[Bring|Take] [the {f}|your ID|the receipt from {d}]",
            lambda: dict(f=w.pick(pools.FILE_KINDS), d=w.day(-20, -1).md),
        ),
        (
            "[Call first|Check hours]: {ph}[, closes at {t}|]",
            lambda: dict(ph=f"{w.code(3)}-{w.code(3)}-{w.code(4)}", t=w.time(16, 20)),
        ),
        (
            "[Tags|Tagged]: #{a} #{b}",
            lambda: dict(
                a=w.pick(["home", "errands", "money", "family", "health"]),
                b=w.pick(["weekly", "urgent", "later", "admin"]),
            ),
        ),
        (
            "[Snoozed {k} times|Overdue by {k} days] · [last edited|created] {d}",
            lambda: dict(k=w.number(1, 5), d=w.day(-20, -1).md),
        ),
    )


# --------------------------------------------------------------------------------------
def social_notif(w: World, n: int, size: str) -> Draft:
    app = w.pick(pools.SOCIAL_APPS)
    commenter, liker, friend = w.people(3)
    likes = w.number(12, 940)
    event = f"{w.pick(pools.HOBBIES).title()} meetup"
    ev_day, ev_time = w.day(2, 20), w.time(10, 20)
    place = w.venue()
    comment = w.say(
        "[Love this|So good|Where is this]! [Miss you guys|See you at {v}|When "
        "are you back in {c}?]",
        v=w.venue(),
        c=w.city(),
    )

    def commented() -> Doc:
        return note(
            w,
            app,
            "",
            w.say('{p} commented on your [photo|post]: "{c}"', p=commenter.full, c=comment),
        )

    def liked() -> Doc:
        return note(
            w,
            app,
            "",
            w.say("{p} and {k} others liked your [photo|post|reel]", p=liker.full, k=likes),
        )

    def invite() -> Doc:
        return note(
            w,
            app,
            "",
            w.say(
                "{p} invited you to {e} on {d} at {t} · {v}",
                p=friend.full,
                e=event,
                d=ev_day.full,
                t=ev_time,
                v=place,
            ),
        )

    def follow() -> Doc:
        return note(
            w,
            app,
            "",
            w.say("{p} [started following you|sent you a friend request]", p=w.person().full),
        )

    def tagged() -> Doc:
        return note(
            w,
            app,
            "",
            w.say("{p} tagged you in a photo [at|from] {v}", p=w.person().full, v=w.venue()),
        )

    def memory() -> Doc:
        return note(
            w,
            app,
            "",
            w.say("[On this day|{k} years ago]: your trip to {c}", k=w.number(2, 9), c=w.city()),
        )

    pads = pads_for(w, _social_pads(w), doc=0 if n == 1 else None)
    if n == 1:
        kind = w.pick(["comment", "likes", "invite"])
        doc = {"comment": commented, "likes": liked, "invite": invite}[kind]()
        facts = {
            "comment": [commenter.full, comment],
            "likes": [liker.full, str(likes)],
            "invite": [friend.full, event, ev_day.full, ev_time, place],
        }[kind]
        return Draft([doc], facts, [], pads)
    order = [invite, commented, liked] + w.shuffled([follow, tagged, memory, follow, tagged])
    if size == "short":
        order = w.shuffled([liked, follow])
    docs = [order[i % len(order)]() for i in range(n)]
    facts = [friend.full, event, ev_day.full, ev_time, place]
    if n > 1:
        facts.insert(2, commenter.full)
    if n > 2:
        facts.insert(3, str(likes))
    if size == "short":
        facts = [liker.full, str(likes)]
    return Draft(docs, facts, [], pads)


def _social_pads(w: World) -> list:
    return phrases(
        w,
        (
            "[{k} mutual friends|Friends with {p}]",
            lambda: dict(k=w.number(2, 40), p=w.person().first),
        ),
        ("[Reply|Tap to reply] · [{k} replies|{k} reactions]", lambda: dict(k=w.number(2, 60))),
        (
            "[{p} and {k} others also commented|{k} new comments]",
            lambda: dict(p=w.person().first, k=w.number(2, 40)),
        ),
        (
            "[{k} going|{k} interested] · [{p} is going|hosted by {p}]",
            lambda: dict(k=w.number(3, 80), p=w.person().full),
        ),
        (
            "{p} [added to their story|posted for the first time in a while]",
            lambda: dict(p=w.person().full),
        ),
        (
            "[People you may know|Suggested]: {p}, {q}",
            lambda: dict(p=w.person().full, q=w.person().full),
        ),
        (
            '{p} replied: "[haha same|this is the best|we need a rematch at {v}|so jealous]"',
            lambda: dict(p=w.person().first, v=w.venue()),
        ),
        (
            '[{k} new photos in|Added to] the album "{c} {y}"',
            lambda: dict(k=w.number(3, 60), c=w.city(), y=w.number(2019, 2025)),
        ),
        (
            "[It's {p}'s birthday today|{p} has a birthday on {d}] - [say hi|send wishes]",
            lambda: dict(p=w.person().full, d=w.day(1, 6).wd),
        ),
        (
            "[New post in|Activity in] {h} [{c}|club] · {k} [new posts|unread]",
            lambda: dict(h=w.pick(pools.HOBBIES).title(), c=w.city(), k=w.number(2, 30)),
        ),
    )


BUILDERS = {
    "messaging": messaging,
    "calendar": calendar,
    "delivery": delivery,
    "finance": finance,
    "news": news,
    "reminders": reminders,
    "social": social_notif,
}
