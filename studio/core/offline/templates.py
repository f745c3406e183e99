"""The sentences offline stories are built from.

Placeholders: {H} hero, {F} friend, {T} third character (and {Hsp}, {Fsp}, {Tsp} for
their species); pronouns {he} {He} {his} {His} {him} {himself} for the hero and
{fhe} {fhis} {fhim} for the friend; {Hhands}, {Fhand}; the world: {world}, {home},
{place}, {sight}, {things}, {critter}, {shelter}, {hazard}, {trinket}, {drawing},
{snack}; the goal: {goal} (an infinitive phrase) and {X} (the premise's words);
{When} ("That night") and {trait}, {fadj}, {tadj}, {cloth}, {letter}.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Episode:
    """One page's worth of story: who is in it, what is said, what the picture shows."""

    cast: str  # letters of the characters present: H, F, T
    sentences: tuple[str, ...]
    action: str
    excluded: tuple[str, ...] = ()  # worlds it does not suit
    extra: str = ""  # a visual detail the painter can draw (rain, storm clouds, lantern)


@dataclass(frozen=True)
class GoalText:
    """How one kind of goal is told: the problem, the tries, the big moment, the end."""

    goal: str
    problem: tuple[str, ...]
    tries: tuple[Episode, ...]
    climax: tuple[str, ...]
    success: tuple[str, ...]
    closing: str
    title: tuple[str, ...]
    climax_action: str = "{H} faces the big moment, {F} close by"
    success_action: str = "{H} celebrates joyfully with {F}"


E = Episode

INTROS: tuple[Episode, ...] = (
    E(
        "H",
        (
            "Once upon a time, in {world}, there lived a {trait} little {Hsp} named {H}.",
            "{He} lived in {home} and always wore {his} {cloth}.",
            "{sight}",
        ),
        "{H} steps out of {home}, stretching and smiling at the new day",
    ),
    E(
        "H",
        (
            "In {world}, where {things} are everywhere, there lived a {trait} {Hsp} called {H}.",
            "{H}'s home was {home}.",
            "{sight}",
        ),
        "{H} waves from the doorway of {home}",
    ),
    E(
        "H",
        (
            "Every morning in {world}, a {trait} {Hsp} named {H} woke up in {home}.",
            "{He} put on {his} {cloth} and peeked outside.",
            "{sight}",
        ),
        "{H} peeks out of {home}, wearing {his} {cloth}",
    ),
)

MEET: tuple[Episode, ...] = (
    E(
        "HF",
        (
            "At {place}, {H} met {F}, a {fadj} {Fsp}.",
            "'What's the matter?' asked {F}, and {H} told {fhim} everything.",
            "'I will help you {goal},' said {F}.",
        ),
        "{H} meets {F} for the first time; {F} leans in kindly",
    ),
    E(
        "HF",
        (
            "'Hello there!' called a voice from {place}. It was {F} the {Fsp}.",
            "{F} listened carefully while {H} explained.",
            "'Let's {goal} together,' said {F}.",
        ),
        "{F} calls hello to {H}, who turns in surprise",
    ),
    E(
        "HF",
        (
            "On the way to {place}, {H} bumped into a {fadj} {Fsp} named {F}.",
            "'Sorry!' they both said at once, and then they both laughed.",
            "Soon they were the best of friends.",
        ),
        "{H} and {F} bump into each other and laugh",
    ),
)

MEET_KNOWN: tuple[Episode, ...] = (
    E(
        "HF",
        (
            "{H} set off for {place} with {his} best friend, {F} the {Fsp}.",
            "'I will help you {goal},' said {F}.",
            "{sight}",
        ),
        "{H} and {F} set off side by side",
    ),
    E(
        "HF",
        (
            "{F} the {Fsp} came along too, of course.",
            "{F} always came on adventures, especially the big ones.",
            "Together they headed for {place}.",
        ),
        "{F} hurries to catch up with {H}",
    ),
)

THIRD: tuple[Episode, ...] = (
    E(
        "HFT",
        (
            "Near {place}, they met {T}, a {tadj} {Tsp} who knew {world} better than anyone.",
            "'I know a thing or two about that,' said {T}.",
            "{T} decided to come along.",
        ),
        "{T} greets {H} and {F}",
    ),
    E(
        "HFT",
        (
            "A {tadj} {Tsp} named {T} popped out from behind {shelter}.",
            "'Can I come too?' asked {T}.",
            "'The more the merrier!' said {F}.",
        ),
        "{T} pops out to say hello to {H} and {F}",
    ),
)

SETBACKS: tuple[Episode, ...] = (
    E(
        "HF",
        (
            "But then a big grey cloud rolled over {place}, and a cold wind began to blow.",
            "{H} sat down and sniffed. 'I'll never {goal},' {he} whispered.",
            "{F} sat down beside {him}.",
        ),
        "{H} sits sadly as the wind blows, {F} beside {him}",
        ("space",),
        "dark storm clouds",
    ),
    E(
        "HF",
        (
            "Crash! {H} tripped at {place} and tumbled head over heels.",
            "Nothing was hurt except {his} courage, which felt very small indeed.",
            "'Maybe I can't do it after all,' {he} sighed.",
        ),
        "{H} sits in a heap after a tumble, {F} running over",
    ),
    E(
        "HF",
        (
            "At {place}, {H} and {F} took a wrong turn, and then another.",
            "Soon nothing looked familiar at all.",
            "{H}'s lip began to wobble.",
        ),
        "{H} and {F} look around, lost and worried",
    ),
)

GROWING: tuple[Episode, ...] = (
    E(
        "HF",
        (
            "{F} gave {H} a big hug. 'You have come so far already,' {fhe} said.",
            "{H} looked back at the long path and saw that it was true.",
            "{He} stood up a little taller.",
        ),
        "{F} hugs {H}",
    ),
    E(
        "HF",
        (
            "{H} took a deep breath, in and out, just like {F} had shown {him}.",
            "Something inside {him} felt stronger than before.",
            "'Let's keep going,' {he} said.",
        ),
        "{H} breathes deeply, eyes closed, {F} smiling beside {him}",
    ),
    E(
        "HF",
        (
            "'Being brave doesn't mean not being scared,' said {F}. 'It means trying anyway.'",
            "{H} thought about that for a long time.",
            "Then {he} nodded.",
        ),
        "{F} speaks gently to a thoughtful {H}",
    ),
)

CLOSINGS: tuple[str, ...] = (
    "Back in {home}, {H} snuggled down under a soft blanket.",
    "As the stars came out over {world}, {H} yawned a big, happy yawn.",
    "{H} and {F} said goodnight with a hug and a promise to play tomorrow.",
)

GOODNIGHTS: tuple[str, ...] = (
    "Goodnight, {H}. Goodnight, {world}.",
    "And tomorrow, who knows what adventures would come?",
    "Sleep tight, little {Hsp}. The end.",
)

EPISODES: tuple[Episode, ...] = (
    E(
        "HF",
        (
            "{H} and {F} stopped at {place} for a rest and a snack.",
            "{F} shared {snack}, and {H} shared a joke.",
            "{sight}",
        ),
        "{H} and {F} sit side by side sharing {snack}",
    ),
    E(
        "HF",
        (
            "To keep their spirits up, {F} taught {H} a silly walking song.",
            "They sang it all the way to {place}, loud and wonderfully out of tune.",
        ),
        "{H} and {F} march along singing, mouths wide open",
    ),
    E(
        "HF",
        (
            "Splash! {H} jumped into a puddle near {place}.",
            "{F} jumped in too, and they laughed until their tummies hurt.",
        ),
        "{H} and {F} jump in a big puddle, water splashing everywhere",
        ("space", "desert", "snow"),
    ),
    E(
        "HF",
        (
            "{F} drew a map of {world} {drawing}.",
            "{H} pointed to {place}. 'Let's go there next,' {he} said.",
        ),
        "{F} draws a map while {H} points the way",
    ),
    E(
        "H",
        (
            "{H} lay down at {place} and watched the clouds drift by.",
            "One looked like a teapot, and one looked just like {F}!",
        ),
        "{H} lies on {his} back looking up at fluffy clouds",
        ("space",),
    ),
    E(
        "HF",
        (
            "A gust of wind whooshed through {place}.",
            "It tickled {H}'s nose and made {F} spin around like a top.",
        ),
        "leaves whirl in the wind as {H} and {F} hold on",
        ("space",),
    ),
    E(
        "H",
        (
            "At {place}, {H} helped a tiny {critter} that had lost its way.",
            "The {critter} waved goodbye, and {H} felt warm inside.",
        ),
        "{H} kneels down to help a tiny {critter}",
    ),
    E(
        "HF",
        (
            "They played hide-and-seek at {place}.",
            "{H} hid so well that even {F} could not find {him}!",
        ),
        "{H} hides and peeks out while {F} searches",
    ),
    E(
        "HF",
        (
            "On the way to {place}, they counted {things}.",
            "They got all the way to twenty-seven before they lost count.",
        ),
        "{H} and {F} point and count {things}",
    ),
    E(
        "HF",
        (
            "'Hello!' called {H} at {place}.",
            "'Hello, hello, hello!' answered the echo, and {F} giggled.",
        ),
        "{H} calls out, {F} giggling beside {him}",
    ),
    E(
        "HF",
        (
            "As they walked, {F} told a story about {world} long, long ago.",
            "{H} listened with wide eyes and forgot to worry for a while.",
        ),
        "{F} tells a story as they walk; {H} listens with wide eyes",
    ),
    E(
        "HF",
        (
            "Pitter-patter! Rain began to fall on {place}.",
            "{H} and {F} huddled under {shelter} until it stopped.",
        ),
        "{H} and {F} shelter from the rain under {shelter}",
        ("space", "desert", "snow"),
        "rain",
    ),
    E(
        "HF",
        (
            "{H} told {F} how {he} really felt.",
            "'Everyone feels that way sometimes,' said {F} softly.",
        ),
        "{H} and {F} sit close together, talking quietly",
    ),
    E(
        "H",
        ("{sight}", "{H} stopped at {place} to look, and for a moment forgot everything else."),
        "{H} stands still, gazing in wonder",
    ),
    E(
        "HF",
        (
            "'Race you to {place}!' shouted {F}.",
            "{H} ran as fast as {he} could, and they tumbled over the finish together.",
        ),
        "{H} and {F} race each other, laughing",
    ),
    E(
        "HF",
        (
            "The path to {place} was steep, so {F} gave {H} a helping {Fhand}.",
            "Step by step, they reached the top.",
        ),
        "{F} helps {H} up a steep slope",
    ),
    E(
        "HF",
        (
            "They played I-spy at {place}.",
            "'I spy something beginning with {letter},' said {H}. It was a very surprised {critter}.",
        ),
        "{H} and {F} play I-spy, looking all around",
    ),
    E(
        "H",
        ("Under a stone at {place}, {H} found {trinket}.", "{He} tucked it away for good luck."),
        "{H} holds up {trinket}, delighted",
    ),
    E(
        "HF",
        (
            "Music drifted over {place}, and {F} began to dance.",
            "{H} tried a wobbly twirl of {his} own.",
        ),
        "{H} and {F} dance",
    ),
    E(
        "HF",
        (
            "'Why is the sky so big?' asked {H} at {place}.",
            "'So there is room for every dream,' said {F}.",
        ),
        "{H} and {F} look up at the wide sky",
    ),
    E(
        "HFT",
        (
            "{T} told a joke so silly that {F} snorted.",
            "Even {H} laughed, and laughing made {him} feel braver.",
        ),
        "all three friends laugh together",
    ),
    E(
        "HFT",
        (
            "{T} showed them a secret shortcut past {place}.",
            "'Follow me,' {T} whispered, 'and mind the {hazard}.'",
        ),
        "{T} leads the way, {H} and {F} following in a line",
    ),
    E(
        "HF",
        (
            "They crossed {place} one careful step at a time.",
            "{F} went first, and {H} followed right behind.",
        ),
        "{H} and {F} cross carefully, one behind the other",
    ),
    E(
        "HF",
        (
            "At {place}, {H} and {F} built a little tower of stones.",
            "It wobbled, and wobbled, and then stood tall!",
        ),
        "{H} and {F} stack stones into a wobbly tower",
    ),
    E(
        "H",
        (
            "{H} sat quietly at {place} and thought about home.",
            "{He} missed home a little, but {he} was not ready to turn back.",
        ),
        "{H} sits alone for a moment, thinking",
    ),
    E(
        "HF",
        (
            "{F} yawned, and then {H} yawned, and then they both giggled.",
            "They had a little nap at {place} before setting off again.",
        ),
        "{H} and {F} curl up for a nap",
    ),
    E(
        "HFT",
        (
            "{T} knew the names of all the {things} at {place}.",
            "{H} tried to remember them all, but there were far too many.",
        ),
        "{T} points out {things} to {H} and {F}",
    ),
    E(
        "HF",
        (
            "At {place}, {F} got stuck, and {H} pulled and pulled.",
            "Pop! Out came {F}, and they both tumbled into a heap.",
        ),
        "{H} pulls {F} free, both about to tumble",
    ),
    E(
        "HF",
        (
            "{H} practised a big, brave roar at {place}.",
            "It came out as a tiny squeak, and {F} laughed kindly.",
        ),
        "{H} tries a big roar while {F} laughs",
    ),
    E(
        "HF",
        (
            "At {place}, they found a trail of footprints. Whose could they be?",
            "They followed them round and round, and found their own footprints!",
        ),
        "{H} and {F} follow footprints in a circle",
    ),
)

_FIND_TRIES: tuple[Episode, ...] = (
    E(
        "H",
        (
            "{H} searched under every stone at {place}.",
            "{He} found {things}, lots of {things}, but not {X}.",
        ),
        "{H} peers under stones, searching",
    ),
    E(
        "HF",
        ("'Maybe it's at {place},' said {F}.", "They hurried there, but it was not there either."),
        "{H} and {F} hurry along, looking everywhere",
    ),
    E(
        "H",
        (
            "{H} asked a passing {critter} if it had seen {X}.",
            "The {critter} thought hard, then pointed the way to {place}.",
        ),
        "{H} talks to a tiny {critter}, who points the way",
    ),
    E(
        "HF",
        (
            "{H} and {F} made a list of every place they had already looked.",
            "It was a very long list!",
        ),
        "{H} and {F} study a long list",
    ),
)

GOALS: dict[str, GoalText] = {
    "fear": GoalText(
        goal="be brave about {X}",
        problem=(
            "But {H} had a secret: {he} was afraid of {X}.",
            "Whenever {X} came near, {he} curled up small and squeezed {his} eyes shut.",
            "'One day,' {H} whispered, 'I will not be afraid of {X}.'",
        ),
        tries=(
            E(
                "H",
                (
                    "{H} peeked out at {X} from behind {his} {Hhands}.",
                    "{He} counted to three, then ducked back again.",
                ),
                "{H} peeks out nervously from behind {his} {Hhands}",
            ),
            E(
                "HF",
                (
                    "'What if we look at {X} together?' said {F}.",
                    "So they did, just for a moment, and nothing bad happened.",
                ),
                "{H} and {F} peek out together",
            ),
            E(
                "H",
                (
                    "{H} drew a picture of {X} {drawing}.",
                    "Somehow, drawn small, it looked a little less scary.",
                ),
                "{H} draws a picture {drawing}",
            ),
            E(
                "HF",
                (
                    "{F} told {H} about a time {fhe} had been scared too.",
                    "{H} was surprised: even {F} felt afraid sometimes!",
                ),
                "{F} tells {H} a story, {H} wide-eyed",
            ),
        ),
        climax=(
            "{When}, at {place}, {H} came face to face with {X}.",
            "{His} heart went thump, thump, thump.",
            "But {he} held {F}'s {Fhand} and took one brave step forward.",
        ),
        success=(
            "{H} looked at {X}, and {X} did not seem scary at all.",
            "There were wonders {he} had never noticed before.",
            "{F} cheered, and {H} laughed out loud.",
        ),
        closing="From that day on, {H} was never afraid of {X} again.",
        title=("{H} and {Xt}", "Brave Little {H}", "{H} Is Not Afraid"),
        climax_action="{H} faces {X} bravely, holding {F}'s {Fhand}",
        success_action="{H} smiles, no longer afraid of {X}, while {F} cheers",
    ),
    "want": GoalText(
        goal="{X}",
        problem=(
            "More than anything in the world, {H} wanted to {X}.",
            "{He} thought about it at breakfast, at lunch and at bedtime.",
            "'Today,' said {H}, 'is the day I start.'",
        ),
        tries=(
            E(
                "H",
                (
                    "{H} tried to {X} all by {himself}.",
                    "It did not work, not yet, but {he} dusted {himself} off.",
                ),
                "{H} tries hard, wobbling, determined",
            ),
            E(
                "H",
                (
                    "{H} drew a plan {drawing}.",
                    "Step one, step two, step three, and then {he} would {X}!",
                ),
                "{H} draws a plan {drawing}",
            ),
            E(
                "HF",
                (
                    "{F} had an idea. 'Let's try it together,' {fhe} said.",
                    "It went a tiny bit better this time.",
                ),
                "{H} and {F} try together",
            ),
            E(
                "HF",
                (
                    "'Nobody can {X} on their very first try,' said {F}.",
                    "{H} nodded and tried again, and again.",
                ),
                "{F} encourages {H}, who tries again",
            ),
        ),
        climax=(
            "{When}, at {place}, {H} got ready to {X}.",
            "Everyone held their breath.",
            "'You can do it,' whispered {F}.",
        ),
        success=(
            "And then, at last, {H} did it: {he} got to {X}!",
            "It was even better than {he} had dreamed.",
            "{F} cheered the loudest of all.",
        ),
        closing="That night, {H} fell asleep still smiling about {his} big day.",
        title=("{H}'s Big Dream", "{H} Wants to {Xt}", "{H} Reaches High"),
        climax_action="{H} gets ready to {X}, {F} watching and holding {fhis} breath",
        success_action="{H} joyfully gets to {X} at last, {F} cheering",
    ),
    "find": GoalText(
        goal="find {X}",
        problem=(
            "{H} needed to find {X}.",
            "{He} looked high and {he} looked low, but it was nowhere to be seen.",
            "'I will keep looking until I find it,' said {H}.",
        ),
        tries=_FIND_TRIES,
        climax=(
            "{When}, at {place}, something caught {H}'s eye.",
            "It was peeking out from behind {shelter}.",
            "{H} held {his} breath and tiptoed closer.",
        ),
        success=(
            "There, at last, was {X}!",
            "{H} hugged it tight and did a happy dance.",
            "{F} danced too.",
        ),
        closing="That night, {H} fell asleep with {X} right beside {him}.",
        title=("{H} and {Xt}", "Where Is {Xt}?", "{H} Finds {Xt}"),
        climax_action="{H} tiptoes toward something peeking out from behind {shelter}",
        success_action="{H} hugs {X} and dances, {F} dancing too",
    ),
    "learn": GoalText(
        goal="{X}",
        problem=(
            "Everyone else could {X}, but {H} could not, not yet.",
            "{He} felt a little left out, and a little bit sad.",
            "'I am going to learn to {X},' {H} decided.",
        ),
        tries=(
            E(
                "HF",
                ("{H} tried to {X}, and wobbled, and tried again.", "'Keep going!' called {F}."),
                "{H} tries and wobbles",
            ),
            E(
                "HF",
                (
                    "{F} showed {H} how to {X}, one little step at a time.",
                    "{H} watched very carefully.",
                ),
                "{F} demonstrates while {H} watches closely",
            ),
            E(
                "H",
                (
                    "{H} practised at {place} every single day.",
                    "Little by little, {he} got better.",
                ),
                "{H} practises, concentrating hard",
            ),
            E(
                "HF",
                (
                    "{H} tried to {X} so fast that {he} tumbled over.",
                    "'Slow and steady,' laughed {F}.",
                ),
                "{H} tumbles over, {F} laughing kindly",
            ),
        ),
        climax=(
            "{When}, at {place}, {H} took a deep breath and tried to {X} once more.",
            "This time, {he} remembered everything {F} had shown {him}.",
            "Slowly, slowly...",
        ),
        success=(
            "{H} could {X}! {He} really could!",
            "{F} cheered and clapped.",
            "'I knew you could,' {fhe} said.",
        ),
        closing="That night, {H} dreamed of all the things {he} could learn next.",
        title=("{H} Learns to {Xt}", "{H} Can Do It", "Little by Little, {H}"),
        climax_action="{H} tries to {X} once more, concentrating hard, {F} watching",
        success_action="{H} manages to {X} at last, {F} clapping",
    ),
    "friend": GoalText(
        goal="make a friend",
        problem=(
            "{H} did not have a single friend to play with.",
            "{He} watched the others laughing together and wished {he} could join in.",
            "'Today,' said {H}, 'I will find a friend.'",
        ),
        tries=(
            E(
                "H",
                (
                    "{H} said hello to a {critter} at {place}, but it was far too busy to stop.",
                    "{H} sighed and walked on.",
                ),
                "{H} waves at a busy little {critter}",
            ),
            E(
                "HF",
                ("{H} shared {snack} with {F}.", "Sharing, {he} discovered, felt wonderful."),
                "{H} shares {snack} with {F}",
            ),
            E(
                "HF",
                (
                    "{H} and {F} found out they both loved {things}.",
                    "They talked about them all the way to {place}.",
                ),
                "{H} and {F} chat happily as they walk",
            ),
            E(
                "HF",
                (
                    "{H} worried that {F} would not want to play again tomorrow.",
                    "'Of course I will,' said {F}. 'That's what friends do.'",
                ),
                "{F} reassures {H} with a smile",
            ),
        ),
        climax=(
            "{When}, at {place}, {F} needed help, and {H} was the one who came.",
            "{He} did not stop to think.",
            "{He} simply ran to help.",
        ),
        success=(
            "'You're my best friend,' said {F}.",
            "{H} felt warm all the way down to {his} toes.",
            "{He} was not lonely any more.",
        ),
        closing="That night, {H} fell asleep knowing {he} had a friend for always.",
        title=("{H} Finds a Friend", "A Friend for {H}", "{H} and {F}"),
        climax_action="{H} rushes to help {F}",
        success_action="{H} and {F} hug, best friends",
    ),
    "home": GoalText(
        goal="find the way home",
        problem=(
            "One day, {H} wandered too far and could not find the way home.",
            "Everything around {him} looked strange and new.",
            "'I must get back home,' said {H}.",
        ),
        tries=(
            E(
                "H",
                (
                    "{H} tried going left at {place}, but it was the wrong way.",
                    "{He} turned around and tried right instead.",
                ),
                "{H} stands at a fork in the path, unsure",
            ),
            E(
                "HF",
                (
                    "'Do you know the way home?' {H} asked {F}.",
                    "'Not yet,' said {F}, 'but I'll help you find it.'",
                ),
                "{H} asks {F} for directions",
            ),
            E(
                "H",
                (
                    "{H} climbed up high to look for home.",
                    "{He} could see {things} and more {things}, but no home.",
                ),
                "{H} stands up high, looking far away",
            ),
            E(
                "HF",
                ("{H} remembered that home was near {place}.", "'Let's look for that!' said {F}."),
                "{H} remembers, {F} pointing the way",
            ),
        ),
        climax=(
            "{When}, at {place}, {H} spotted something familiar.",
            "Could it be?",
            "{H} began to run.",
        ),
        success=(
            "There was home, glowing and warm!",
            "{H} ran inside and got the biggest hug.",
            "'I was lost, but now I'm found,' {he} said.",
        ),
        closing="That night, {H} snuggled up at home, safe and sound.",
        title=("{H}'s Way Home", "{H} Finds the Way", "Home Again, {H}"),
        climax_action="{H} spots home in the distance and starts to run",
        success_action="{H} arrives home, glowing windows, a big welcome hug",
    ),
    "love_do": GoalText(
        goal="{X} for everyone",
        problem=(
            "{H} loved to {X} more than anything.",
            "But {he} had never dared to {X} for anyone else.",
            "'Maybe,' thought {H}, 'it is time to share.'",
        ),
        tries=(
            E(
                "HF",
                (
                    "{H} tried to {X} at {place}, and it went a little wrong.",
                    "{F} giggled, and so did {H}.",
                ),
                "{H} tries, and it goes a bit wrong; everyone giggles",
            ),
            E(
                "HF",
                ("{F} asked {H} to show {fhim} how to {X}.", "{H} felt shy, but proud."),
                "{H} shows {F} how",
            ),
            E(
                "H",
                (
                    "{H} practised at {place} until it felt just right.",
                    "{He} hummed happily as {he} worked.",
                ),
                "{H} practises happily",
            ),
            E(
                "HF",
                (
                    "{H} and {F} made a list of everyone who might come to watch.",
                    "The list grew and grew.",
                ),
                "{H} and {F} write a long list",
            ),
        ),
        climax=(
            "{When}, at {place}, everyone gathered round.",
            "{H}'s knees wobbled.",
            "Then {he} took a deep breath and began to {X}.",
        ),
        success=(
            "Everyone clapped and cheered!",
            "{H} had shared what {he} loved most, and it made everyone happy.",
            "{F} hugged {him} tight.",
        ),
        closing="That night, {H} fell asleep humming, ready to {X} again tomorrow.",
        title=("{H} Loves to {Xt}", "{H}'s Big Show", "{H} Shares a Gift"),
        climax_action="{H} begins to {X} while everyone gathers round",
        success_action="everyone claps and cheers for {H}; {F} hugs {him}",
    ),
    "love": GoalText(
        goal="share {X} with everyone",
        problem=(
            "{H} loved {X} more than anything in the world.",
            "{He} wished {he} could share {X} with everyone in {world}.",
            "'I know,' said {H}, 'I will plan a big surprise!'",
        ),
        tries=(
            E(
                "H",
                ("{H} gathered everything {he} needed at {place}.", "It was a lot of things!"),
                "{H} carries a big armful of things",
            ),
            E(
                "HF",
                ("{F} offered to help with the surprise.", "'Shh, it's a secret,' giggled {H}."),
                "{H} and {F} whisper secrets",
            ),
            E(
                "H",
                (
                    "{H} made invitations for everyone {he} knew.",
                    "{He} used {his} very best colours.",
                ),
                "{H} makes colourful invitations",
            ),
            E(
                "HF",
                ("{H} and {F} tested the surprise at {place}.", "Oops! They had to start again."),
                "{H} and {F} laugh at a little mess",
            ),
        ),
        climax=(
            "{When}, at {place}, everyone arrived.",
            "{H} took a deep breath.",
            "'Surprise!' {he} shouted.",
        ),
        success=(
            "Everyone loved {X}, and it was even better together.",
            "{H} had never been so happy.",
            "{F} hugged {him} tight.",
        ),
        closing="That night, {H} fell asleep dreaming of {X}.",
        title=("{H} Loves {Xt}", "{H}'s Big Surprise", "{Xt} for Everyone"),
        climax_action="{H} shouts surprise as everyone arrives",
        success_action="everyone enjoys {X} together, {H} beaming",
    ),
    "quest": GoalText(
        goal="find {X}",
        problem=(
            "{H} had heard stories about {X}, hidden somewhere in {world}.",
            "Nobody had found it in a very long time.",
            "'I will be the one to find it,' said {H}.",
        ),
        tries=_FIND_TRIES,
        climax=(
            "{When}, at {place}, something glimmered.",
            "It was peeking out from behind {shelter}.",
            "{H} held {his} breath and tiptoed closer.",
        ),
        success=(
            "There, at last, was {X}, even more wonderful than the stories said!",
            "{H} and {F} stared and stared.",
            "They had found it together.",
        ),
        closing="That night, {H} told the whole story of {X} to everyone who would listen.",
        title=("{H} and {Xt}", "The Search for {Xt}", "{H}'s Great Adventure"),
        climax_action="{H} tiptoes toward something glimmering behind {shelter}",
        success_action="{H} and {F} gaze in wonder at {X}",
    ),
}

FUNNY: tuple[str, ...] = (
    "{F} sneezed so hard that a leaf flew right onto {H}'s head.",
    "Just then, a {critter} landed right on {H}'s nose and said, very politely, 'Excuse me.'",
    "{H} did a little wiggle dance, and {F} laughed so hard {fhe} got the hiccups.",
    "'Hic!' went {F}. 'Hic! Hic!' And everyone giggled.",
)

EXCITING: tuple[str, ...] = (
    "Suddenly, whoosh! Everything began to happen at once!",
    "Quick as a flash, {H} was off, and {F} raced to keep up!",
    "Hearts pounding, they held on tight. What would happen next?",
)

GENTLE: tuple[str, ...] = (
    "Everything was soft and still and calm.",
    "A gentle breeze hummed a quiet lullaby.",
)

RHYMES: dict[str, tuple[tuple[str, str], ...]] = {
    "begin": (
        ("In {world}, all cosy and snug,", "lived {H}, who was ready for a hug."),
        ("Here is {H}, so small and so sweet,", "with a big brave heart and quick little feet."),
    ),
    "middle": (
        ("Over the hills and far away,", "{H} and {F} went off to play."),
        ("Step by step and side by side,", "{H} and {F} walked on with pride."),
        ("A wobble, a tumble, a giggle, a cheer,", "{H} kept going, with {F} right here."),
    ),
    "end": (
        ("The moon came up, the stars shone bright,", "and {H} was happy on this night."),
        ("So {H} smiled from ear to ear,", "with {F} beside, so warm and near."),
    ),
}
