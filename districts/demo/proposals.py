"""Demo proposals: twelve project ideas residents really put forward in participatory budgets,
written in Bulgarian, English and Turkish. `{place}` is filled with the district's or a
neighbourhood's name.

Costs are shares of the pool, so that they look right in euros and in lira alike.
"""

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from budgets.phases import Phase
from proposals import services
from proposals.models import Category, Comment, Proposal, Review, Status, Support
from proposals.text import render_markdown


@dataclass(frozen=True)
class Text:
    title: str
    summary: str
    body: str


@dataclass(frozen=True)
class Idea:
    key: str
    category: str  # slug of a default category (proposals/migrations/0002_default_categories.py)
    share: float  # the author's estimate as a share of the pool
    en: Text
    bg: Text
    tr: Text

    def text(self, language: str) -> Text:
        return getattr(self, language)


IDEAS: tuple[Idea, ...] = (
    Idea(
        key="trees",
        category="parks",
        share=0.18,
        en=Text(
            "Shade trees and benches for the {place} park",
            "Plant 40 large-crowned trees along the main alley of the park in {place} and add "
            "benches in their shade, with drinking water for the new trees.",
            "In summer the main alley of the park in {place} is almost without shade, and older "
            "people cannot rest on the way to the shops.\n\n"
            "**What we propose**\n\n"
            "- 40 trees with large crowns (lime, plane, maple), at least 3 m tall when planted\n"
            "- 12 benches with backs and armrests between the trees\n"
            "- drip irrigation for the first three summers\n\n"
            "The district's landscaping team can maintain the trees as part of its usual work.",
        ),
        bg=Text(
            "Сенчести дървета и пейки в парка на {place}",
            "Да засадим 40 едролистни дървета по главната алея на парка в {place} и да "
            "поставим пейки под тях, с поливане за новите дървета.",
            "През лятото главната алея на парка в {place} е почти без сянка и възрастните хора "
            "нямат къде да починат по пътя към магазина.\n\n"
            "**Какво предлагаме**\n\n"
            "- 40 дървета с широки корони (липа, чинар, клен), поне 3 м при засаждане\n"
            "- 12 пейки с облегалки и подлакътници между дърветата\n"
            "- капково напояване през първите три лета\n\n"
            "Районното звено по озеленяване може да поддържа дърветата в рамките на обичайната "
            "си работа.",
        ),
        tr=Text(
            "{place} parkına gölgelik ağaçlar ve banklar",
            "{place} parkının ana yürüyüş yoluna 40 geniş taçlı ağaç dikilsin, gölgelerine "
            "banklar konulsun ve yeni ağaçlar için sulama yapılsın.",
            "Yazın {place} parkının ana yolu neredeyse hiç gölge almıyor; yaşlılar pazara "
            "giderken dinlenecek yer bulamıyor.\n\n"
            "**Önerimiz**\n\n"
            "- en az 3 m boyunda 40 geniş taçlı ağaç (ıhlamur, çınar, akçaağaç)\n"
            "- ağaçların arasına sırtlıklı ve kolçaklı 12 bank\n"
            "- ilk üç yaz için damla sulama\n\n"
            "Belediyenin park bahçeler ekibi ağaçların bakımını olağan işleri içinde yapabilir.",
        ),
    ),
    Idea(
        key="fitness",
        category="sport-play",
        share=0.12,
        en=Text(
            "Outdoor fitness area in {place}",
            "Ten outdoor fitness machines with a soft surface and an information board, free "
            "for everyone, next to the sports ground in {place}.",
            "Many residents run or walk in {place} but there is nowhere to do strength "
            "exercises outdoors.\n\n"
            "We propose ten robust outdoor machines (pull-up bars, parallel bars, leg press, "
            "cross-trainer and others), rubber safety flooring, a board with exercises and two "
            "lamps so that the area can be used in the evening.",
        ),
        bg=Text(
            "Фитнес на открито в {place}",
            "Десет уреда за фитнес на открито с ударопоглъщаща настилка и табло с упражнения, "
            "безплатни за всички, до спортната площадка в {place}.",
            "Много хора бягат и се разхождат в {place}, но няма къде да правят силови "
            "упражнения навън.\n\n"
            "Предлагаме десет здрави уреда (лост, успоредка, преса за крака, кростренажор и "
            "др.), гумена настилка, табло с упражнения и две лампи, за да може площадката да "
            "се ползва и вечер.",
        ),
        tr=Text(
            "{place} için açık hava spor alanı",
            "{place} spor sahasının yanına, herkese ücretsiz, darbe emici zeminli ve egzersiz "
            "panolu on açık hava spor aleti.",
            "{place} sakinlerinin çoğu koşuyor ya da yürüyor, ama açıkta kuvvet egzersizi "
            "yapacak bir yer yok.\n\n"
            "Barfiks ve paralel bar, bacak presi, eliptik bisiklet gibi on dayanıklı alet, "
            "kauçuk güvenlik zemini, egzersiz panosu ve akşamları da kullanılabilmesi için iki "
            "aydınlatma direği öneriyoruz.",
        ),
    ),
    Idea(
        key="playground",
        category="sport-play",
        share=0.25,
        en=Text(
            "An accessible playground in {place}",
            "Renovate the old playground in {place} with equipment that children in "
            "wheelchairs can use too, safe flooring and a fence.",
            "The playground in {place} was built more than twenty years ago: the swings are "
            "broken and the sand is dirty.\n\n"
            "We ask for a new playground where all children can play together:\n\n"
            "- a wide ramp to the play tower and a roundabout level with the ground\n"
            "- a nest swing and a sensory panel\n"
            "- rubber flooring and a low fence with two gates\n"
            "- benches in the shade for parents",
        ),
        bg=Text(
            "Достъпна детска площадка в {place}",
            "Да обновим старата детска площадка в {place} със съоръжения, които могат да "
            "ползват и деца в инвалидни колички, безопасна настилка и ограда.",
            "Детската площадка в {place} е строена преди повече от двадесет години: люлките "
            "са счупени, а пясъкът е замърсен.\n\n"
            "Искаме нова площадка, на която всички деца да играят заедно:\n\n"
            "- широка рампа до кулата и въртележка на нивото на терена\n"
            "- люлка „гнездо“ и сензорно табло\n"
            "- гумена настилка и ниска ограда с две врати\n"
            "- пейки на сянка за родителите",
        ),
        tr=Text(
            "{place} için engelsiz çocuk oyun alanı",
            "{place} ilçesindeki eski oyun alanı, tekerlekli sandalye kullanan çocukların da "
            "kullanabileceği aletler, güvenli zemin ve çitle yenilensin.",
            "{place} ilçesindeki oyun alanı yirmi yıldan eski: salıncaklar kırık, kum kirli.\n\n"
            "Bütün çocukların birlikte oynayabileceği yeni bir alan istiyoruz:\n\n"
            "- oyun kulesine geniş bir rampa ve zeminle aynı seviyede dönme dolap\n"
            "- yuva salıncak ve duyusal oyun panosu\n"
            "- kauçuk zemin ve iki kapılı alçak çit\n"
            "- aileler için gölgede banklar",
        ),
    ),
    Idea(
        key="crossing",
        category="streets",
        share=0.10,
        en=Text(
            "A safe crossing in front of the school in {place}",
            "A raised zebra crossing with flashing lights and a narrower carriageway in front "
            "of the primary school in {place}, so that cars slow down.",
            "Every morning hundreds of children cross the street in front of the school in "
            "{place}, and drivers often do not stop.\n\n"
            "We propose a raised crossing (a speed table), kerb extensions that shorten the "
            "crossing to one lane each way, LED flashing lights and bollards that stop cars "
            "parking on the corners.",
        ),
        bg=Text(
            "Безопасна пешеходна пътека пред училището в {place}",
            "Повдигната пешеходна пътека с мигащи светлини и стеснено платно пред основното "
            "училище в {place}, за да намаляват колите скоростта.",
            "Всяка сутрин стотици деца пресичат улицата пред училището в {place}, а шофьорите "
            "често не спират.\n\n"
            "Предлагаме повдигната пешеходна пътека, разширени тротоари на ъглите, които "
            "скъсяват пресичането, мигащи LED светлини и колчета срещу паркирането на ъглите.",
        ),
        tr=Text(
            "{place} ilçesindeki okulun önüne güvenli yaya geçidi",
            "{place} ilçesindeki ilkokulun önüne, araçlar yavaşlasın diye yükseltilmiş, ışıklı bir "
            "yaya geçidi ve daraltılmış bir yol.",
            "Her sabah yüzlerce çocuk {place} ilçesindeki okulun önünde karşıya geçiyor ve "
            "sürücüler "
            "çoğu zaman durmuyor.\n\n"
            "Yükseltilmiş yaya geçidi, geçiş mesafesini kısaltan kaldırım genişletmeleri, LED "
            "uyarı ışıkları ve köşelere park edilmesini önleyen babalar öneriyoruz.",
        ),
    ),
    Idea(
        key="bicycles",
        category="streets",
        share=0.06,
        en=Text(
            "Covered bicycle parking in {place}",
            "Covered, well-lit racks for 60 bicycles next to the metro station and the market "
            "in {place}.",
            "People in {place} would cycle to the metro, but there is nowhere safe to leave a "
            "bicycle. We propose three covered shelters with 20 Sheffield stands each, "
            "lighting and a camera already used by the district.",
        ),
        bg=Text(
            "Покрит велопаркинг в {place}",
            "Покрити и осветени стойки за 60 велосипеда до метростанцията и пазара в {place}.",
            "Хората в {place} биха идвали с велосипед до метрото, но няма къде да го оставят "
            "безопасно. Предлагаме три покрити навеса с по 20 стойки тип „П“, осветление и "
            "камера от съществуващата система на района.",
        ),
        tr=Text(
            "{place} için kapalı bisiklet parkı",
            "{place} ilçesindeki istasyonun ve pazar yerinin yanına 60 bisiklet için üstü kapalı, "
            "aydınlatmalı park yeri.",
            "{place} ilçesinde yaşayanlar istasyona bisikletle gelmek istiyor, ama bisikleti "
            "güvenle "
            "bırakacak yer yok. Her birinde 20 park demiri olan üç kapalı sundurma, aydınlatma "
            "ve belediyenin mevcut kamera sistemine bağlı bir kamera öneriyoruz.",
        ),
    ),
    Idea(
        key="fountains",
        category="environment",
        share=0.08,
        en=Text(
            "Drinking fountains in {place}",
            "Six drinking fountains with a bowl for dogs along the busiest walking routes and "
            "playgrounds of {place}.",
            "Summers are getting hotter, and in {place} there is not a single public drinking "
            "fountain. We propose six vandal-proof fountains connected to the water network, "
            "with a push button, a lower tap for children and a bowl for dogs.",
        ),
        bg=Text(
            "Чешмички с питейна вода в {place}",
            "Шест чешмички с питейна вода и купа за кучета по най-оживените пешеходни маршрути "
            "и детски площадки в {place}.",
            "Летата стават все по-горещи, а в {place} няма нито една обществена чешмичка. "
            "Предлагаме шест антивандални чешмички, свързани с водопровода, с бутон, по-ниско "
            "кранче за деца и купа за кучета.",
        ),
        tr=Text(
            "{place} için içme suyu çeşmeleri",
            "{place} ilçesinin en işlek yürüyüş yollarına ve oyun alanlarına, köpekler için su "
            "kabı "
            "da olan altı içme suyu çeşmesi.",
            "Yazlar giderek ısınıyor ve {place} ilçesinde tek bir umumi içme suyu çeşmesi yok. "
            "Şebekeye "
            "bağlı, basmalı, çocuklar için alçak musluklu ve köpek kaplı, vandalizme dayanıklı "
            "altı çeşme öneriyoruz.",
        ),
    ),
    Idea(
        key="cinema",
        category="culture",
        share=0.15,
        en=Text(
            "Summer cinema and open-air stage in {place}",
            "A small open-air stage with a screen, seating and sound for free films, concerts "
            "and school performances in {place} from June to September.",
            "There is no cinema or stage in {place}. A simple wooden stage with a roof, a "
            "folding screen, a sound system and 150 stackable seats would let the community "
            "centre (chitalishte), schools and local bands put on free evenings all summer.",
        ),
        bg=Text(
            "Лятно кино и сцена на открито в {place}",
            "Малка сцена на открито с екран, места за сядане и озвучаване за безплатни филми, "
            "концерти и училищни представления в {place} от юни до септември.",
            "В {place} няма кино, нито сцена. Проста дървена сцена с покрив, сгъваем екран, "
            "озвучаване и 150 стола би позволила на читалището, училищата и местните групи да "
            "правят безплатни вечери през цялото лято.",
        ),
        tr=Text(
            "{place} ilçesinde yazlık sinema ve açık hava sahnesi",
            "{place} ilçesinde hazirandan eylüle ücretsiz film, konser ve okul gösterileri için "
            "perdeli, "
            "oturma yerli ve ses sistemli küçük bir açık hava sahnesi.",
            "{place} ilçesinde ne sinema ne de sahne var. Üstü kapalı basit bir ahşap sahne, "
            "katlanır "
            "perde, ses sistemi ve 150 sandalye; kültür merkezinin, okulların ve yerel "
            "grupların bütün yaz ücretsiz akşamlar düzenlemesini sağlar.",
        ),
    ),
    Idea(
        key="classroom",
        category="education",
        share=0.09,
        en=Text(
            "An outdoor classroom for the school in {place}",
            "A shaded outdoor classroom with benches, a whiteboard and raised garden beds in the "
            "schoolyard in {place}.",
            "Teachers in {place} would like to hold biology, art and reading lessons outside. "
            "We propose a pergola with climbing plants, benches for 30 pupils, an outdoor "
            "whiteboard, raised beds for a school garden and a small tool shed.",
        ),
        bg=Text(
            "Класна стая на открито за училището в {place}",
            "Засенчена класна стая на открито с пейки, бяла дъска и повдигнати лехи в двора на "
            "училището в {place}.",
            "Учителите в {place} искат да провеждат часовете по биология, изобразително изкуство "
            "и четене навън. Предлагаме пергола с увивни растения, пейки за 30 ученици, дъска за "
            "открито, повдигнати лехи за училищна градина и малък склад за инструменти.",
        ),
        tr=Text(
            "{place} ilçesindeki okula açık hava sınıfı",
            "{place} ilçesindeki okul bahçesine banklı, yazı tahtalı ve yükseltilmiş bahçe "
            "yataklı, "
            "gölgeli bir açık hava sınıfı.",
            "{place} ilçesindeki öğretmenler biyoloji, resim ve okuma derslerini dışarıda yapmak "
            "istiyor. Sarmaşıklı bir pergola, 30 öğrencilik banklar, açık hava yazı tahtası, "
            "okul bahçesi için yükseltilmiş yataklar ve küçük bir alet deposu öneriyoruz.",
        ),
    ),
    Idea(
        key="seniors",
        category="social",
        share=0.22,
        en=Text(
            "A day club for older people in {place}",
            "Refurbish the empty ground floor of the municipal building in {place} as a day "
            "club for pensioners, with a ramp, an accessible toilet and a small kitchen.",
            "Many older people in {place} live alone. The municipal building has an empty "
            "ground floor of about 120 m².\n\n"
            "- a ramp at the entrance and an accessible toilet\n"
            "- a small kitchen and furniture for 40 people\n"
            "- a room for exercise, games and courses (computers, phones)\n\n"
            "The social services directorate has said it could run the club.",
        ),
        bg=Text(
            "Дневен клуб за възрастни хора в {place}",
            "Да ремонтираме празния партер на общинската сграда в {place} като дневен клуб за "
            "пенсионери, с рампа, достъпна тоалетна и малка кухня.",
            "Много възрастни хора в {place} живеят сами. Общинската сграда има празен партер от "
            "около 120 м².\n\n"
            "- рампа на входа и достъпна тоалетна\n"
            "- малка кухня и обзавеждане за 40 души\n"
            "- зала за раздвижване, игри и курсове (компютър, телефон)\n\n"
            "Дирекцията за социални услуги е заявила, че може да поеме клуба.",
        ),
        tr=Text(
            "{place} ilçesinde yaşlılar için gündüz kulübü",
            "{place} ilçesindeki belediye binasının boş zemin katı; rampası, engelli tuvaleti ve "
            "küçük "
            "mutfağıyla emekliler için bir gündüz kulübüne dönüştürülsün.",
            "{place} ilçesinde birçok yaşlı tek başına yaşıyor. Belediye binasının yaklaşık 120 m² "
            "boş bir zemin katı var.\n\n"
            "- girişe rampa ve engelli tuvaleti\n"
            "- küçük bir mutfak ve 40 kişilik mobilya\n"
            "- egzersiz, oyun ve kurslar (bilgisayar, telefon) için bir salon\n\n"
            "Sosyal hizmetler müdürlüğü kulübü işletebileceğini söyledi.",
        ),
    ),
    Idea(
        key="meadow",
        category="environment",
        share=0.05,
        en=Text(
            "A wildflower meadow and community composting in {place}",
            "Turn two mown lawns in {place} into wildflower meadows for bees and butterflies, "
            "and set up composters for the neighbours' kitchen waste.",
            "The lawns between the blocks in {place} are mown every two weeks and stay bare "
            "in summer. We propose sowing native wildflowers on two of them, signs that explain "
            "why they are mown only twice a year, and six large composters with a volunteer "
            "group that looks after them.",
        ),
        bg=Text(
            "Цветна ливада и компостиране между блоковете в {place}",
            "Две окосени тревни площи в {place} да станат ливади с диви цветя за пчели и "
            "пеперуди, и да поставим компостери за кухненските отпадъци на съседите.",
            "Тревните площи между блоковете в {place} се косят на всеки две седмици и през "
            "лятото са голи. Предлагаме да засеем местни диви цветя на две от тях, табели, "
            "които обясняват защо се косят само два пъти годишно, и шест големи компостера с "
            "група доброволци, която да ги поддържа.",
        ),
        tr=Text(
            "{place} ilçesinde kır çiçeği çayırı ve ortak kompost",
            "{place} ilçesindeki biçilen iki çim alan arılar ve kelebekler için kır çiçeği "
            "çayırına "
            "dönüştürülsün, komşuların mutfak atıkları için kompost kapları konulsun.",
            "{place} ilçesindeki binaların arasındaki çimler iki haftada bir biçiliyor ve yazın "
            "kuruyor. İkisine yerli kır çiçekleri ekilmesini, neden yılda yalnızca iki kez "
            "biçildiklerini anlatan tabelalar ve gönüllülerin bakacağı altı büyük kompost kabı "
            "öneriyoruz.",
        ),
    ),
    Idea(
        key="ramps",
        category="accessibility",
        share=0.20,
        en=Text(
            "Step-free route from the metro to the health centre in {place}",
            "Lowered kerbs, ramps and tactile paving along the 800 m route from the station to "
            "the health centre in {place}.",
            "People in wheelchairs, parents with prams and blind residents cannot reach the "
            "health centre in {place} on their own: there are high kerbs at every crossing and "
            "no tactile guidance.\n\n"
            "We propose lowering 14 kerbs, two ramps at the entrance of the underpass, tactile "
            "paving at every crossing and repairing the broken pavement along the route.",
        ),
        bg=Text(
            "Път без стъпала от метрото до поликлиниката в {place}",
            "Понижени бордюри, рампи и тактилни плочки по 800-метровия маршрут от спирката до "
            "поликлиниката в {place}.",
            "Хора в инвалидни колички, родители с детски колички и незрящи не могат сами да "
            "стигнат до поликлиниката в {place}: на всяко пресичане има високи бордюри и няма "
            "тактилни ивици.\n\n"
            "Предлагаме понижаване на 14 бордюра, две рампи на входа на подлеза, тактилни "
            "плочки на всяко пресичане и ремонт на счупения тротоар по маршрута.",
        ),
        tr=Text(
            "{place} ilçesinde istasyondan sağlık merkezine basamaksız yol",
            "{place} ilçesinde duraktan sağlık merkezine giden 800 metrelik yol boyunca "
            "alçaltılmış "
            "kaldırımlar, rampalar ve hissedilebilir yüzeyler.",
            "Tekerlekli sandalye kullananlar, bebek arabalı aileler ve görme engelliler {place} "
            "ilçesindeki sağlık merkezine kendi başlarına ulaşamıyor: her geçitte yüksek kaldırım "
            "var, "
            "yönlendirici yüzey yok.\n\n"
            "14 kaldırımın alçaltılmasını, alt geçidin girişine iki rampa, her geçide "
            "hissedilebilir yüzey ve yol boyunca kırık kaldırımların onarılmasını öneriyoruz.",
        ),
    ),
    Idea(
        key="dogs",
        category="parks",
        share=0.07,
        en=Text(
            "A fenced dog park in {place}",
            "A fenced area for dogs with a double gate, benches, a water tap and bag "
            "dispensers, away from the playgrounds of {place}.",
            "Dogs run loose on the lawns and playgrounds of {place} because there is nowhere "
            "else for them. A 1,200 m² fenced park with a double gate, a few agility obstacles, "
            "benches, a tap and bins would keep both children and dogs happy.",
        ),
        bg=Text(
            "Оградена площадка за кучета в {place}",
            "Оградена площадка за кучета с двойна врата, пейки, чешма и кошчета с пликчета, "
            "далеч от детските площадки в {place}.",
            "Кучетата тичат свободно по тревните площи и детските площадки в {place}, защото "
            "няма друго място за тях. Оградена площадка от 1200 м² с двойна врата, няколко "
            "препятствия, пейки, чешма и кошчета ще зарадва и децата, и кучетата.",
        ),
        tr=Text(
            "{place} ilçesinde çitli köpek parkı",
            "{place} ilçesindeki oyun alanlarından uzakta, çift kapılı, banklı, musluklu ve poşet "
            "dağıtıcılı, çitle çevrili bir köpek alanı.",
            "Köpekler başka yerleri olmadığı için {place} ilçesindeki çimlerde ve oyun alanlarında "
            "serbestçe koşuyor. Çift kapılı, birkaç engel parkurlu, banklı, musluklu ve çöp "
            "kutulu 1.200 m²'lik çitli bir park hem çocukları hem köpekleri mutlu eder.",
        ),
    ),
)


@dataclass(frozen=True)
class Phrases:
    """Staff decisions and residents' comments in one language."""

    changes: str
    feasible: str
    infeasible: tuple[str, ...]
    comments: tuple[str, ...]
    rude_comment: str
    flag_reason: str
    image_alt: str
    duplicate: str  # with {number} and {title}


PHRASES = {
    "en": Phrases(
        changes="Please add where exactly the project should be built (a street address or a "
        "point on the map) and a photo of the place.",
        feasible="The district's estimate includes design, works and VAT. The site belongs to "
        "the municipality and the works can be done next year.",
        infeasible=(
            "The land belongs to the state, not to the municipality, so the district cannot "
            "build on it.",
            "A project for this site is already funded from the city's capital programme; "
            "works start next spring.",
        ),
        comments=(
            "Great idea, my children would use it every day.",
            "I support this, but please keep the existing trees.",
            "Who will look after it once it is built?",
            "Finally! We have been asking for this for years.",
        ),
        rude_comment="Only idiots would want this. The people who wrote it should move out.",
        flag_reason="Insults other residents",
        image_alt="Sketch of the proposed project",
        duplicate="Duplicate of proposal #{number}, “{title}”.",
    ),
    "bg": Phrases(
        changes="Моля, посочете къде точно да бъде изграден проектът (адрес или точка на "
        "картата) и добавете снимка на мястото.",
        feasible="Оценката на района включва проектиране, строителство и ДДС. Теренът е "
        "общински и работите могат да се изпълнят през следващата година.",
        infeasible=(
            "Теренът е държавна, а не общинска собственост и районът не може да строи на него.",
            "За този терен вече има финансиран проект от капиталовата програма на Столична "
            "община; работите започват през пролетта.",
        ),
        comments=(
            "Чудесна идея, децата ми ще я ползват всеки ден.",
            "Подкрепям, но моля да запазите съществуващите дървета.",
            "Кой ще поддържа това, след като бъде изградено?",
            "Най-сетне! От години искаме точно това.",
        ),
        rude_comment="Само идиоти биха искали това. Авторите да се изнесат от квартала.",
        flag_reason="Обижда други жители",
        image_alt="Скица на предложения проект",
        duplicate="Дублира предложение № {number}, „{title}“.",
    ),
    "tr": Phrases(
        changes="Lütfen projenin tam olarak nereye yapılacağını (adres ya da haritada bir nokta) "
        "belirtin ve yerin bir fotoğrafını ekleyin.",
        feasible="Belediyenin tahmini proje, yapım ve KDV'yi içeriyor. Arazi belediyeye ait ve "
        "işler gelecek yıl yapılabilir.",
        infeasible=(
            "Arazi belediyenin değil hazinenin; belediye bu arazide yapım yapamaz.",
            "Bu alan için büyükşehir yatırım programından finanse edilen bir proje zaten var; "
            "çalışmalar ilkbaharda başlıyor.",
        ),
        comments=(
            "Harika bir fikir, çocuklarım her gün kullanır.",
            "Destekliyorum, ama lütfen mevcut ağaçlar korunsun.",
            "Yapıldıktan sonra bakımını kim yapacak?",
            "Sonunda! Yıllardır bunu istiyoruz.",
        ),
        rude_comment="Bunu ancak aptallar ister. Yazanlar mahalleden taşınsın.",
        flag_reason="Diğer sakinlere hakaret ediyor",
        image_alt="Önerilen projenin taslağı",
        duplicate="{number} numaralı “{title}” önerisiyle aynı.",
    ),
}

# The language residents of each demo city write in; one proposal in four of Sofia is in
# English (students and newcomers), so both languages show up on the pages.
CITY_LANGUAGES = {"sofia": ("bg", "bg", "bg", "en"), "kocaeli": ("tr",)}

# Colours of the generated sketches (Pillow, no downloads).
IMAGE_COLOURS = ("#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a")


# ---------------------------------------------------------------------------------------------
# Seeding one pool, only if it has no proposals yet (so running twice adds nothing).
#
# For speed the rows are written in bulk, each status with the Review rows that the services
# would have written on the way there (at plausible times, marked as notified so that nobody
# is e-mailed about demo history). Images and flags go through the services.
# ---------------------------------------------------------------------------------------------

Action = Review.Action
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
)
_VAV = re.compile(r"\b([Вв]) (?=[ВвФф])")
DUPLICATE = "duplicate"  # a plan entry: infeasible as a duplicate of an earlier proposal
# The decisions that e-mail the author (services._record notifies on a change of status,
# except for the author's own submission).
NOTIFYING = {
    Action.START_REVIEW,
    Action.REQUEST_CHANGES,
    Action.MARK_FEASIBLE,
    Action.MARK_INFEASIBLE,
    Action.MARK_DUPLICATE,
    Action.PUT_ON_BALLOT,
}


def _round_cost(pool, share: Decimal) -> Decimal:
    """A share of the pool as a round amount (hundreds of euros, ten thousands of lira)."""
    step = Decimal(100) if pool.amount < 2_000_000 else Decimal(10_000)
    value = (pool.amount * share / step).to_integral_value() * step
    return min(max(value, step), pool.amount)


def _location(district, index: int) -> tuple[Decimal | None, Decimal | None]:
    if district.centre_lat is None or district.centre_lon is None:
        return None, None
    # A deterministic scatter within about a kilometre of the centre.
    dlat = Decimal(((index * 37) % 19 - 9) * 11) / 10_000
    dlon = Decimal(((index * 53) % 23 - 11) * 12) / 10_000
    return district.centre_lat + dlat, district.centre_lon + dlon


class PoolSeeder:
    """Writes one pool's proposals for its phase; see `plan()`."""

    def __init__(self, *, city, district, pool, staff, residents, number, categories):
        self.district = district
        self.pool = pool
        self.staff = staff
        self.residents = residents
        self.number = number
        self.categories = categories
        self.now = timezone.now()
        self.languages = CITY_LANGUAGES.get(city, ("en",))
        self.phrases = PHRASES[self.languages[0]]
        offset = (number * 5) % len(IDEAS)
        self.ideas = IDEAS[offset:] + IDEAS[:offset]
        self.neighbourhoods = list(district.neighbourhoods.all())
        dates = pool.dates
        self.dates = dates
        latest = self.now - timedelta(hours=2)
        self.review_at = min(dates.review_starts + timedelta(days=1), latest)
        self.decided_at = min(dates.review_starts + timedelta(days=6), latest)
        self.ballot_at = min(dates.voting_starts, latest)

    def plan(self) -> list[tuple[int, str]]:
        """(idea index, status) of every proposal, by the pool's phase."""
        phase = self.pool.phase
        if phase in (Phase.DRAFT, Phase.SUBMISSION):
            return [(0, Status.DRAFT), (1, Status.DRAFT)] + [
                (i, Status.SUBMITTED) for i in range(2, 7)
            ]
        if phase == Phase.REVIEW:
            return [
                (0, Status.SUBMITTED),
                (1, Status.SUBMITTED),
                (2, Status.UNDER_REVIEW),
                (3, Status.UNDER_REVIEW),
                (4, Status.CHANGES_REQUESTED),
                (5, Status.FEASIBLE),
                (6, Status.FEASIBLE),
                (7, Status.INFEASIBLE),
                (5, DUPLICATE),  # another resident proposed the same as no. 5
            ]
        if phase == Phase.SUPPORT:
            return [(i, Status.FEASIBLE) for i in range(7)] + [(7, Status.INFEASIBLE)]
        on_ballot = 8 + self.number % 4
        return [(i, Status.ON_BALLOT) for i in range(on_ballot)] + [(on_ballot, Status.INFEASIBLE)]

    # -- one proposal ----------------------------------------------------------------------
    def place(self, language: str, index: int) -> str:
        """A neighbourhood's name (Sofia) or the district's (Kocaeli's texts say "ilçesi")."""
        if language != "tr" and len(self.neighbourhoods) > 1:
            chosen = self.neighbourhoods[index % len(self.neighbourhoods)]
            return getattr(chosen, f"name_{language}") or chosen.name_en
        return getattr(self.district, f"name_{language}") or self.district.name_en

    def submitted_at(self, index: int):
        start = self.dates.submission_starts
        end = min(self.dates.review_starts, self.now)
        span = max((end - start).total_seconds(), 3600)
        return start + timedelta(seconds=span * (0.1 + 0.08 * (index % 10)))

    def staff_cost(self, status: str, idea: Idea, factor: Decimal, index: int) -> Decimal | None:
        if status not in (Status.FEASIBLE, Status.ON_BALLOT):
            return None
        variation = Decimal(1) + Decimal((index * 7) % 11 - 5) / 50
        cost = _round_cost(self.pool, Decimal(str(idea.share)) * factor * variation)
        return min(cost, (self.pool.amount * Decimal("0.6")).to_integral_value())

    def proposal(self, index: int, idea_index: int, status: str, factor: Decimal) -> Proposal:
        idea = self.ideas[idea_index % len(self.ideas)]
        language = self.languages[index % len(self.languages)]
        text = idea.text(language)
        place = self.place(language, index)
        latitude, longitude = _location(self.district, index)

        def fill(template: str) -> str:
            filled = template.format(place=place)
            # Bulgarian "в" becomes "във" before a word starting with в or ф.
            return _VAV.sub(r"\1ъв ", filled) if language == "bg" else filled

        body = fill(text.body)
        return Proposal(
            pool=self.pool,
            author=self.residents[index % len(self.residents)],
            title=fill(text.title)[:140],
            summary=fill(text.summary)[:300],
            body=body,
            body_html=render_markdown(body),
            category=self.categories[idea.category],
            address=place,
            latitude=latitude,
            longitude=longitude,
            author_cost=_round_cost(self.pool, Decimal(str(idea.share))),
            staff_cost=self.staff_cost(status, idea, factor, index),
            status=Status.INFEASIBLE if status == DUPLICATE else status,
            submitted_at=None if status == Status.DRAFT else self.submitted_at(index),
        )

    def history(self, proposal: Proposal, status: str, infeasible_reason: str):
        """The (action, to status, actor, public reason, when) steps that led to `status`."""
        if status == Status.DRAFT:
            return []
        steps = [(Action.SUBMIT, Status.SUBMITTED, proposal.author, "", proposal.submitted_at)]
        if status == Status.SUBMITTED:
            return steps
        steps.append((Action.START_REVIEW, Status.UNDER_REVIEW, self.staff, "", self.review_at))
        decided = {
            Status.CHANGES_REQUESTED: (Action.REQUEST_CHANGES, self.phrases.changes),
            Status.FEASIBLE: (Action.MARK_FEASIBLE, self.phrases.feasible),
            Status.ON_BALLOT: (Action.MARK_FEASIBLE, self.phrases.feasible),
            Status.INFEASIBLE: (Action.MARK_INFEASIBLE, infeasible_reason),
        }
        if status == DUPLICATE:
            original = proposal.duplicate_of
            reason = self.phrases.duplicate.format(number=original.pk, title=original.title)
            steps.append(
                (Action.MARK_DUPLICATE, Status.INFEASIBLE, self.staff, reason, self.decided_at)
            )
        elif status in decided:
            action, reason = decided[status]
            to_status = Status.FEASIBLE if status == Status.ON_BALLOT else status
            steps.append((action, to_status, self.staff, reason, self.decided_at))
        if status == Status.ON_BALLOT:
            steps.append((Action.PUT_ON_BALLOT, Status.ON_BALLOT, None, "", self.ballot_at))
        return steps

    # -- the pool --------------------------------------------------------------------------
    def seed(self) -> list[Proposal]:
        plan = self.plan()
        ballot = [
            self.ideas[i % len(self.ideas)] for i, status in plan if status == Status.ON_BALLOT
        ]
        shares = sum((Decimal(str(idea.share)) for idea in ballot), Decimal(0))
        # On the ballot the district's estimates together exceed the pool by about half, so
        # voters have to choose; elsewhere they are a little above the authors'.
        factor = max(Decimal(1), Decimal("1.5") / shares) if ballot else Decimal("1.1")
        proposals = [
            self.proposal(index, idea_index, status, factor)
            for index, (idea_index, status) in enumerate(plan)
        ]
        Proposal.objects.bulk_create(proposals)
        first_of_idea = {}
        for proposal, (idea_index, status) in zip(proposals, plan, strict=True):
            if status == DUPLICATE:
                proposal.duplicate_of = first_of_idea[idea_index]
                Proposal.objects.filter(pk=proposal.pk).update(duplicate_of=proposal.duplicate_of)
            first_of_idea.setdefault(idea_index, proposal)
        self.reviews(proposals, plan)
        return proposals

    def reviews(self, proposals: list[Proposal], plan) -> None:
        rows, times = [], []
        for number, (proposal, (_idea, status)) in enumerate(zip(proposals, plan, strict=True)):
            reason = self.phrases.infeasible[number % len(self.phrases.infeasible)]
            before = Status.DRAFT
            for action, to_status, actor, public_reason, when in self.history(
                proposal, status, reason
            ):
                rows.append(
                    Review(
                        proposal=proposal,
                        actor=actor,
                        action=action,
                        from_status=before,
                        to_status=to_status,
                        public_reason=public_reason,
                    )
                )
                times.append((when, action in NOTIFYING))
                before = to_status
        Review.objects.bulk_create(rows)
        # created_at is auto_now_add: the real times are set in one UPDATE afterwards.
        Review.objects.filter(pk__in=[row.pk for row in rows]).update(
            created_at=Case(
                *[
                    When(pk=row.pk, then=Value(when))
                    for row, (when, _n) in zip(rows, times, strict=True)
                ],
                output_field=DateTimeField(),
            ),
            notified_at=Case(
                *[
                    When(pk=row.pk, then=Value(when))
                    for row, (when, n) in zip(rows, times, strict=True)
                    if n
                ],
                default=None,
                output_field=DateTimeField(),
            ),
        )

    def comments(self, proposals: list[Proposal], *, flagged: bool) -> None:
        public = [p for p in proposals if p.status != Status.DRAFT]
        bodies = self.phrases.comments[: 2 + self.number % 3]
        comments = [
            Comment(
                proposal=public[i % len(public)],
                author=self.residents[(10 + i) % len(self.residents)],
                body=body,
            )
            for i, body in enumerate(bodies)
        ]
        if flagged:
            comments.append(
                Comment(
                    proposal=public[0],
                    author=self.residents[18 % len(self.residents)],
                    body=self.phrases.rude_comment,
                )
            )
        Comment.objects.bulk_create(comments)
        if flagged:
            # Three readers report it; one of them gives no reason.
            reports = ((2, self.phrases.flag_reason), (3, ""), (4, self.phrases.flag_reason))
            for reporter, reason in reports:
                services.comment_flag(
                    comment=comments[-1],
                    user=self.residents[reporter % len(self.residents)],
                    reason=reason,
                )

    def supports(self, proposals: list[Proposal]) -> None:
        """In the support phase: the first feasible proposals are the most supported."""
        feasible = [p for p in proposals if p.status == Status.FEASIBLE]
        Support.objects.bulk_create(
            [
                Support(proposal=proposal, user=self.residents[person])
                for rank, proposal in enumerate(feasible)
                for person in range(max(2, len(self.residents) - 3 * rank))
            ],
            ignore_conflicts=True,
        )

    def images(self, proposals: list[Proposal], count: int) -> None:
        public = [p for p in proposals if p.status != Status.DRAFT]
        for index, proposal in enumerate(public[:count]):
            upload = SimpleUploadedFile(
                f"sketch-{proposal.pk}.png", sketch_png(proposal.title, index), "image/png"
            )
            services.proposal_image_add(
                proposal=proposal, upload=upload, alt_text=self.phrases.image_alt
            )


def seed_pool_proposals(
    *,
    city: str,
    district,
    pool,
    staff,
    residents,
    number: int,
    images: int = 0,
    flagged_comment: bool = False,
) -> list[Proposal]:
    """Seed the pool's proposals for its current phase, unless it already has some.

    Adds reviews, a few comments (one of them flagged if asked), supports in a support
    phase and `images` generated images.
    """
    if Proposal.objects.filter(pool=pool).exists():
        return []
    categories = {category.slug: category for category in Category.objects.all()}
    for idea in IDEAS:
        if idea.category not in categories:  # deleted by an admin: bring it back
            categories[idea.category], _created = Category.objects.get_or_create(
                slug=idea.category,
                defaults={"name_en": idea.category.replace("-", " ").capitalize()},
            )
    seeder = PoolSeeder(
        city=city,
        district=district,
        pool=pool,
        staff=staff,
        residents=residents,
        number=number,
        categories=categories,
    )
    proposals = seeder.seed()
    seeder.comments(proposals, flagged=flagged_comment)
    if pool.phase == Phase.SUPPORT:
        seeder.supports(proposals)
    seeder.images(proposals, images)
    return proposals


def sketch_png(title: str, index: int) -> bytes:
    """A simple illustration: coloured ground, a shape and the title. Drawn locally."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = 800, 500
    colour = IMAGE_COLOURS[index % len(IMAGE_COLOURS)]
    image = Image.new("RGB", (width, height), "#f4f1e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, width, height), fill=colour)
    if index % 2:
        draw.ellipse((520, 90, 700, 270), fill="#f9a825")
    else:
        draw.polygon([(120, 330), (240, 120), (360, 330)], fill="#33691e")
        draw.rectangle((225, 330, 255, 380), fill="#5d4037")
    font = (
        next((ImageFont.truetype(path, 30) for path in FONT_PATHS if Path(path).exists()), None)
        or ImageFont.load_default()
    )
    lines, line = [], ""
    for word in title.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width - 80:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    for number, text in enumerate(lines[:3]):
        draw.text((40, 350 + number * 40), text, fill="#ffffff", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
