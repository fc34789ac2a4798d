// A small hand-written gazetteer: names newsflow should always recognise and type correctly,
// with their common aliases. Facts as of mid-2024; the people list dates fastest (heads of
// state and government change), so it only decides an entity's type and canonical spelling,
// never whether someone holds an office.

export type GazetteerType = 'person' | 'place' | 'organization';

/** Canonical name followed by aliases (matched case-insensitively, whole name). */
type Entry = readonly [canonical: string, ...aliases: string[]];

const COUNTRIES: Entry[] = [
  ['Afghanistan'], ['Albania'], ['Algeria'], ['Andorra'], ['Angola'], ['Antigua and Barbuda'],
  ['Argentina'], ['Armenia'], ['Australia'], ['Austria'], ['Azerbaijan'], ['Bahamas'], ['Bahrain'],
  ['Bangladesh'], ['Barbados'], ['Belarus'], ['Belgium'], ['Belize'], ['Benin'], ['Bhutan'],
  ['Bolivia'], ['Bosnia and Herzegovina', 'Bosnia'], ['Botswana'], ['Brazil'], ['Brunei'],
  ['Bulgaria'], ['Burkina Faso'], ['Burundi'], ['Cambodia'], ['Cameroon'], ['Canada'],
  ['Cape Verde', 'Cabo Verde'], ['Central African Republic'], ['Chad'], ['Chile'], ['China'],
  ['Colombia'], ['Comoros'], ['Congo', 'Republic of the Congo'],
  ['Democratic Republic of the Congo', 'DR Congo', 'DRC'], ['Costa Rica'], ['Croatia'], ['Cuba'],
  ['Cyprus'], ['Czech Republic', 'Czechia'], ['Denmark'], ['Djibouti'], ['Dominica'],
  ['Dominican Republic'], ['Ecuador'], ['Egypt'], ['El Salvador'], ['Equatorial Guinea'],
  ['Eritrea'], ['Estonia'], ['Eswatini', 'Swaziland'], ['Ethiopia'], ['Fiji'], ['Finland'],
  ['France'], ['Gabon'], ['Gambia'], ['Georgia'], ['Germany'], ['Ghana'], ['Greece'], ['Grenada'],
  ['Guatemala'], ['Guinea'], ['Guinea-Bissau'], ['Guyana'], ['Haiti'], ['Honduras'], ['Hungary'],
  ['Iceland'], ['India'], ['Indonesia'], ['Iran'], ['Iraq'], ['Ireland'], ['Israel'], ['Italy'],
  ['Ivory Coast', "Cote d'Ivoire", "Côte d'Ivoire"], ['Jamaica'], ['Japan'], ['Jordan'],
  ['Kazakhstan'], ['Kenya'], ['Kiribati'], ['Kosovo'], ['Kuwait'], ['Kyrgyzstan'], ['Laos'],
  ['Latvia'], ['Lebanon'], ['Lesotho'], ['Liberia'], ['Libya'], ['Liechtenstein'], ['Lithuania'],
  ['Luxembourg'], ['Madagascar'], ['Malawi'], ['Malaysia'], ['Maldives'], ['Mali'], ['Malta'],
  ['Marshall Islands'], ['Mauritania'], ['Mauritius'], ['Mexico'], ['Micronesia'], ['Moldova'],
  ['Monaco'], ['Mongolia'], ['Montenegro'], ['Morocco'], ['Mozambique'], ['Myanmar', 'Burma'],
  ['Namibia'], ['Nauru'], ['Nepal'], ['Netherlands', 'Holland'], ['New Zealand'], ['Nicaragua'],
  ['Niger'], ['Nigeria'], ['North Korea', 'Korea North', 'DPRK'], ['North Macedonia', 'Macedonia'],
  ['Norway'], ['Oman'], ['Pakistan'], ['Palau'], ['Palestine', 'Palestinian Territories'],
  ['Panama'], ['Papua New Guinea'], ['Paraguay'], ['Peru'], ['Philippines'], ['Poland'],
  ['Portugal'], ['Qatar'], ['Romania'], ['Russia', 'Russian Federation'], ['Rwanda'],
  ['Saint Kitts and Nevis'], ['Saint Lucia'], ['Saint Vincent and the Grenadines'], ['Samoa'],
  ['San Marino'], ['Sao Tome and Principe'], ['Saudi Arabia'], ['Senegal'], ['Serbia'],
  ['Seychelles'], ['Sierra Leone'], ['Singapore'], ['Slovakia'], ['Slovenia'], ['Solomon Islands'],
  ['Somalia'], ['South Africa'], ['South Korea', 'Korea South', 'Republic of Korea'],
  ['South Sudan'], ['Spain'], ['Sri Lanka'], ['Sudan'], ['Suriname'], ['Sweden'], ['Switzerland'],
  ['Syria'], ['Taiwan'], ['Tajikistan'], ['Tanzania'], ['Thailand'], ['Timor-Leste', 'East Timor'],
  ['Togo'], ['Tonga'], ['Trinidad and Tobago'], ['Tunisia'], ['Turkey', 'Türkiye', 'Turkiye'],
  ['Turkmenistan'], ['Tuvalu'], ['Uganda'], ['Ukraine'], ['United Arab Emirates', 'UAE'],
  ['United Kingdom', 'UK', 'U.K.', 'Britain', 'Great Britain'],
  ['United States', 'US', 'U.S.', 'USA', 'U.S.A.', 'United States of America', 'America'],
  ['Uruguay'], ['Uzbekistan'], ['Vanuatu'], ['Vatican', 'Vatican City', 'Holy See'],
  ['Venezuela'], ['Vietnam', 'Viet Nam'], ['Yemen'], ['Zambia'], ['Zimbabwe'],
  // Territories and regions that make news as places in their own right.
  ['Gaza', 'Gaza Strip'], ['West Bank'], ['Crimea'], ['Donbas', 'Donbass'], ['Hong Kong'],
  ['Greenland'], ['Puerto Rico'], ['Kashmir'], ['Europe'], ['Africa'], ['Asia'], ['Middle East'],
  ['Latin America'], ['England'], ['Scotland'], ['Wales'], ['Northern Ireland'],
];

const CITIES: Entry[] = [
  ['Kabul'], ['Tirana'], ['Algiers'], ['Luanda'], ['Buenos Aires'], ['Yerevan'], ['Canberra'],
  ['Vienna'], ['Baku'], ['Manama'], ['Dhaka'], ['Minsk'], ['Brussels'], ['La Paz'], ['Sarajevo'],
  ['Brasilia', 'Brasília'], ['Sofia'], ['Ouagadougou'], ['Phnom Penh'], ['Yaounde'], ['Ottawa'],
  ["N'Djamena"], ['Santiago'], ['Beijing'], ['Bogota', 'Bogotá'], ['Kinshasa'], ['Zagreb'],
  ['Havana'], ['Nicosia'], ['Prague'], ['Copenhagen'], ['Cairo'], ['Asmara'], ['Tallinn'],
  ['Addis Ababa'], ['Helsinki'], ['Paris'], ['Tbilisi'], ['Berlin'], ['Accra'], ['Athens'],
  ['Guatemala City'], ['Conakry'], ['Port-au-Prince'], ['Budapest'], ['Reykjavik'],
  ['New Delhi', 'Delhi'], ['Jakarta'], ['Tehran'], ['Baghdad'], ['Dublin'], ['Jerusalem'],
  ['Tel Aviv'], ['Rome'], ['Tokyo'], ['Amman'], ['Astana'], ['Nairobi'], ['Pristina'],
  ['Kuwait City'], ['Bishkek'], ['Vientiane'], ['Riga'], ['Beirut'], ['Tripoli'], ['Vilnius'],
  ['Antananarivo'], ['Kuala Lumpur'], ['Bamako'], ['Valletta'], ['Mexico City'], ['Chisinau'],
  ['Ulaanbaatar'], ['Podgorica'], ['Rabat'], ['Maputo'], ['Naypyidaw'], ['Windhoek'],
  ['Kathmandu'], ['Amsterdam'], ['The Hague'], ['Wellington'], ['Managua'], ['Niamey'], ['Abuja'],
  ['Pyongyang'], ['Skopje'], ['Oslo'], ['Muscat'], ['Islamabad'], ['Panama City'], ['Asuncion'],
  ['Lima'], ['Manila'], ['Warsaw'], ['Lisbon'], ['Doha'], ['Bucharest'], ['Moscow'], ['Kigali'],
  ['Riyadh'], ['Dakar'], ['Belgrade'], ['Freetown'], ['Bratislava'], ['Ljubljana'], ['Mogadishu'],
  ['Pretoria'], ['Cape Town'], ['Johannesburg'], ['Seoul'], ['Juba'], ['Madrid'], ['Colombo'],
  ['Khartoum'], ['Stockholm'], ['Bern'], ['Geneva'], ['Zurich'], ['Damascus'], ['Taipei'],
  ['Dushanbe'], ['Dodoma'], ['Dar es Salaam'], ['Bangkok'], ['Tunis'], ['Ankara'], ['Istanbul'],
  ['Ashgabat'], ['Kampala'], ['Kyiv', 'Kiev'], ['Abu Dhabi'], ['Dubai'], ['London'],
  ['Washington', 'Washington DC', 'Washington D.C.'], ['New York', 'New York City'], ['Montevideo'],
  ['Tashkent'], ['Caracas'], ['Hanoi'], ["Sana'a", 'Sanaa'], ['Lusaka'], ['Harare'],
  ['Shanghai'], ['Mumbai'], ['Karachi'], ['Lagos'], ['Sao Paulo', 'São Paulo'], ['Rio de Janeiro'],
  ['Los Angeles'], ['Chicago'], ['San Francisco'], ['Frankfurt'], ['Munich'], ['Milan'],
  ['Barcelona'], ['St Petersburg', 'St. Petersburg', 'Saint Petersburg'], ['Kharkiv'], ['Odesa', 'Odessa'],
  ['Mariupol'], ['Donetsk'], ['Luhansk'], ['Sevastopol'], ['Rafah'], ['Khan Younis'], ['Aleppo'],
  ['Mosul'], ['Kandahar'], ['Brussels'], ['Strasbourg'], ['Davos'], ['Silicon Valley'], ['Wall Street'],
];

const ORGANIZATIONS: Entry[] = [
  ['United Nations', 'UN', 'U.N.'], ['UN Security Council', 'Security Council', 'United Nations Security Council', 'U.N. Security Council'],
  ['UN General Assembly', 'General Assembly'], ['NATO', 'Nato', 'North Atlantic Treaty Organization'],
  ['European Union', 'EU', 'E.U.'], ['European Commission'], ['European Parliament'],
  ['European Central Bank', 'ECB'], ['Federal Reserve', 'Fed', 'US Federal Reserve'],
  ['Bank of England', 'BoE'], ['Bank of Japan', 'BoJ'], ['International Monetary Fund', 'IMF'],
  ['World Bank'], ['World Trade Organization', 'WTO'], ['World Health Organization', 'WHO'],
  ['OPEC', 'Opec'], ['African Union', 'AU'], ['Arab League'], ['ASEAN', 'Asean'], ['G7'], ['G20'],
  ['International Criminal Court', 'ICC'], ['International Court of Justice', 'ICJ'],
  ['International Atomic Energy Agency', 'IAEA'], ['Red Cross', 'International Committee of the Red Cross', 'ICRC'],
  ['UNICEF', 'Unicef'], ['UNHCR'], ['Amnesty International'], ['Human Rights Watch'],
  ['White House'], ['Kremlin'], ['Pentagon'], ['State Department', 'US State Department', 'U.S. State Department'],
  ['Downing Street'], ['Elysee', 'Élysée', 'Elysee Palace'], ['Congress', 'US Congress'], ['Senate', 'US Senate'],
  ['House of Representatives'], ['Supreme Court', 'US Supreme Court'], ['Parliament'], ['Bundestag'], ['Knesset'],
  ['Duma', 'State Duma'], ['FBI'], ['CIA'], ['NASA'], ['Department of Justice', 'Justice Department', 'DOJ'],
  ['Securities and Exchange Commission', 'SEC'], ['Revolutionary Guards', 'Islamic Revolutionary Guard Corps', 'IRGC', 'Revolutionary Guard'],
  ['Supreme National Security Council'], ['Hamas'], ['Hezbollah'], ['Taliban'], ['Islamic State', 'ISIS', 'ISIL'],
  ['Houthis', 'Houthi'], ['al-Qaeda', 'Al Qaeda', 'al Qaeda'], ['Wagner Group', 'Wagner'],
  ['Reuters'], ['Associated Press', 'AP'], ['Agence France-Presse', 'AFP'], ['BBC'], ['CNN'], ['Bloomberg'],
  ['New York Times'], ['Washington Post'], ['Wall Street Journal'], ['Financial Times'], ['Al Jazeera'],
  ['Apple'], ['Microsoft'], ['Google'], ['Alphabet'], ['Amazon'], ['Meta', 'Facebook'], ['Tesla'],
  ['Nvidia'], ['OpenAI'], ['Samsung'], ['Toyota'], ['Volkswagen'], ['Boeing'], ['Airbus'],
  ['Goldman Sachs'], ['JPMorgan', 'JPMorgan Chase', 'JP Morgan'], ['Morgan Stanley'], ['Citigroup', 'Citi'],
  ['Gazprom'], ['Aramco', 'Saudi Aramco'], ['Shell'], ['BP'], ['ExxonMobil', 'Exxon'],
  ['Democratic Party', 'Democrats'], ['Republican Party', 'Republicans', 'GOP'], ['Labour Party', 'Labour'],
  ['Conservative Party', 'Conservatives', 'Tories'],
];

const PEOPLE: Entry[] = [
  ['Joe Biden', 'Biden'], ['Donald Trump', 'Trump'], ['Kamala Harris', 'Harris'], ['Vladimir Putin', 'Putin'],
  ['Volodymyr Zelensky', 'Zelensky', 'Zelenskiy', 'Volodymyr Zelenskiy', 'Zelenskyy'], ['Xi Jinping', 'Xi'],
  ['Li Qiang'], ['Narendra Modi', 'Modi'], ['Emmanuel Macron', 'Macron'], ['Olaf Scholz', 'Scholz'],
  ['Rishi Sunak', 'Sunak'], ['Keir Starmer', 'Starmer'], ['King Charles', 'King Charles III', 'Charles III'],
  ['Giorgia Meloni', 'Meloni'], ['Pedro Sanchez', 'Pedro Sánchez'], ['Justin Trudeau', 'Trudeau'],
  ['Fumio Kishida', 'Kishida'], ['Yoon Suk Yeol', 'Yoon'], ['Kim Jong Un', 'Kim Jong-un'],
  ['Recep Tayyip Erdogan', 'Erdogan', 'Erdoğan'], ['Benjamin Netanyahu', 'Netanyahu'],
  ['Ali Khamenei', 'Khamenei', 'Ayatollah Ali Khamenei'], ['Ebrahim Raisi', 'Raisi'],
  ['Masoud Pezeshkian', 'Pezeshkian'], ['Mohammad Mokhber', 'Mokhber'],
  ['Mohammed bin Salman', 'MBS'], ['Abdel Fattah al-Sisi', 'Sisi', 'el-Sisi'],
  ['Luiz Inacio Lula da Silva', 'Lula', 'Luiz Inácio Lula da Silva'], ['Javier Milei', 'Milei'],
  ['Andres Manuel Lopez Obrador', 'Lopez Obrador', 'AMLO'], ['Claudia Sheinbaum', 'Sheinbaum'],
  ['Cyril Ramaphosa', 'Ramaphosa'], ['Bola Tinubu', 'Tinubu'], ['William Ruto', 'Ruto'],
  ['Anthony Albanese', 'Albanese'], ['Christopher Luxon', 'Luxon'], ['Ursula von der Leyen', 'von der Leyen'],
  ['Charles Michel'], ['Antonio Guterres', 'Guterres', 'António Guterres'], ['Jens Stoltenberg', 'Stoltenberg'],
  ['Mark Rutte', 'Rutte'], ['Pope Francis'], ['Alexander Lukashenko', 'Lukashenko'],
  ['Bashar al-Assad', 'Assad'], ['Mahmoud Abbas', 'Abbas'], ['Viktor Orban', 'Orban', 'Viktor Orbán'],
  ['Donald Tusk', 'Tusk'], ['Andrzej Duda', 'Duda'], ['Shehbaz Sharif'], ['Prabowo Subianto', 'Prabowo'],
  ['Joko Widodo', 'Jokowi'], ['Ferdinand Marcos Jr', 'Marcos'], ['Lai Ching-te'], ['Sergei Lavrov', 'Lavrov'],
  ['Antony Blinken', 'Blinken'], ['Lloyd Austin'], ['Karine Jean-Pierre', 'Jean-Pierre'],
  ['Jerome Powell', 'Powell'], ['Christine Lagarde', 'Lagarde'], ['Elon Musk', 'Musk'],
];

export interface GazetteerHit {
  name: string;
  type: GazetteerType;
}

function build(): Map<string, GazetteerHit> {
  const index = new Map<string, GazetteerHit>();
  const add = (entries: Entry[], type: GazetteerType): void => {
    for (const [name, ...aliases] of entries) {
      for (const a of [name, ...aliases]) {
        const key = gazetteerKey(a);
        // Earlier lists win: "Georgia" is the country, not a person.
        if (!index.has(key)) index.set(key, { name, type });
      }
    }
  };
  add(COUNTRIES, 'place');
  add(CITIES, 'place');
  add(ORGANIZATIONS, 'organization');
  add(PEOPLE, 'person');
  return index;
}

/** Case-folded, dots and apostrophe styles unified. */
export function gazetteerKey(name: string): string {
  return name.toLowerCase().replace(/[’`]/g, "'").replace(/\./g, '').replace(/\s+/g, ' ').trim();
}

let index: Map<string, GazetteerHit> | null = null;

export function lookupGazetteer(name: string): GazetteerHit | undefined {
  index ??= build();
  return index.get(gazetteerKey(name));
}

/** Case-sensitive acronyms that are also English words ("US", "WHO", "AP"): only trust them in capitals. */
export const SHOUTY_ALIASES: ReadonlySet<string> = new Set(['US', 'WHO', 'AP', 'AU', 'UN', 'EU', 'SEC', 'BP', 'Fed']);
