"""Stop words: English, Finnish, and words every call or profile carries."""

# Words every call or profile line carries ("Expected Outcome:", "Call context:").
DOMAIN_STOP_WORDS = frozenset(
    ["call", "calls", "programme", "fields", "context", "expected", "outcome", "outcomes", "scope"]
)
_FINNISH = """
ja on ei se ne että tai sekä kuin mutta myös joka jotka jonka joiden jossa joita mikä
mitä mihin missä kun jos niin vain voi voidaan olla ole ovat oli olivat ollut olisi sen
sitä siitä siihen sille sillä tämä tämän tätä tässä näitä nämä niiden niitä nyt hän me
te he minä sinä mukaan kanssa kautta myötä sekä eli esim mm ym jne noin yli alle ennen
jälkeen aikana välillä vuonna vuoden kaikki kaikkia muut muiden muita oma oman omia eri
hyvin erityisesti lisäksi kuten siis koska vaan vielä jo jopa ei eivät emme en et
kuitenkin
"""
FINNISH_STOP_WORDS = frozenset(_FINNISH.split())
# scikit-learn's English stop list (the benchmark baselines use it) without the words that
# carry meaning in calls: amount bill bottom detail describe empty fill find fire found front
# full interest mill move name serious show side thick thin top. Kept here: importing
# scikit-learn for its list takes a second and a half.
_ENGLISH = """
a about above across after afterwards again against all almost alone along already also
although always am among amongst amoungst an and another any anyhow anyone anything anyway
anywhere are around as at back be became because become becomes becoming been before
beforehand behind being below beside besides between beyond both but by call can cannot cant
co con could couldnt cry de do done down due during each eg eight either eleven else
elsewhere enough etc even ever every everyone everything everywhere except few fifteen fifty
first five for former formerly forty four from further get give go had has hasnt have he
hence her here hereafter hereby herein hereupon hers herself him himself his how however
hundred i ie if in inc indeed into is it its itself keep last latter latterly least less ltd
made many may me meanwhile might mine more moreover most mostly much must my myself namely
neither never nevertheless next nine no nobody none noone nor not nothing now nowhere of off
often on once one only onto or other others otherwise our ours ourselves out over own part
per perhaps please put rather re same see seem seemed seeming seems several she should since
sincere six sixty so some somehow someone something sometime sometimes somewhere still such
system take ten than that the their them themselves then thence there thereafter thereby
therefore therein thereupon these they third this those though three through throughout thru
thus to together too toward towards twelve twenty two un under until up upon us very via was
we well were what whatever when whence whenever where whereafter whereas whereby wherein
whereupon wherever whether which while whither who whoever whole whom whose why will with
within without would yet you your yours yourself yourselves
"""
ENGLISH_STOP_WORDS = frozenset(_ENGLISH.split())
