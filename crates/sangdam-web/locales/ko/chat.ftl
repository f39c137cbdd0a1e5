# 채팅 상담 센터와 상담사 보호 (이슈 6).
advice-informal = 반말로 읽힐 수 있어요. 내담자에게는 …요, …습니다 같은 높임말이 더 따뜻하게 들립니다.
advice-blame = 탓하는 말처럼 들릴 수 있어요. 잘잘못 없이 있었던 일을 말하면 내담자가 계속 이야기하기 쉬워요.
advice-command = 명령처럼 읽힐 수 있어요. "…해 주시겠어요?"처럼 부탁하는 말이 부드럽습니다.
advice-alternative = 거절할 때는 대안을 함께 알려 주세요. 대신 무엇을 할 수 있는지 말해 주면 좋아요.

nav-chat = 채팅 상담
nav-center = 채팅 센터
landing-chat = 지금 상담사와 채팅하기

## 채팅 시작
chat-start-title = 상담사와 채팅하기
chat-notice-title = 시작하기 전에
chat-notice-default = 지금 연결될 상담사도 누군가의 소중한 가족입니다. 존중하는 말로 이야기해 주세요. 욕설, 위협, 성희롱이 있는 대화는 종료될 수 있으며, 한동안 새 채팅을 시작할 수 없습니다.
chat-nickname = 닉네임
chat-nickname-hint = 원하는 이름을 쓰세요. 계정이 없어도 됩니다.
chat-topic = 어떤 이야기를 나누고 싶으세요?
chat-language = 언어
chat-consent = 개인정보 처리방침을 읽었고, 이 채팅이 저장되는 데 동의합니다.
chat-privacy-link = 개인정보 처리방침
chat-start = 채팅 시작
chat-banned-title = 지금은 채팅을 시작할 수 없습니다
chat-banned = 이전 채팅이 폭언으로 종료되었습니다. { $until } 이후에 새 채팅을 시작할 수 있습니다. 그 전에 상담이 필요하면 예약해 주세요.
error-chat-nickname = 40자 이내의 닉네임을 입력해 주세요.
error-chat-topic = 주제를 선택해 주세요.
error-chat-language = 한국어 또는 영어를 선택해 주세요.
error-chat-consent = 채팅을 시작하려면 개인정보 처리방침에 동의해 주세요.
error-chat-clients-only = 채팅은 내담자가 시작합니다. 직원은 채팅 센터에서 응답합니다.

## 내담자 채팅 화면
chat-title = 채팅
chat-queued = 대기 { $position }번째입니다.
chat-wait = 예상 대기 시간: 약 { $minutes }분.
chat-offered = 상담사가 연결되고 있습니다…
chat-active = { $counselor } 상담사와 이야기하고 있습니다.
chat-ended = 채팅이 종료되었습니다. 감사합니다.
chat-ended-abuse-client = 폭언으로 채팅이 종료되었습니다.
chat-typing = 입력 중…
chat-read = 읽음
chat-message = 메시지
chat-send = 보내기
chat-leave = 채팅 종료
chat-nobody = 지금은 응답할 수 있는 상담사가 없습니다. 채팅 상담 시간:
chat-hours-default = 평일 09:00–18:00 (한국 시간)
chat-nobody-danger = 지금 위험한 상황이라면 채팅을 기다리지 말고 아래 번호로 바로 전화하세요.
chat-nobody-leave = 여기에 메시지를 남기고 채팅을 종료하시면 상담사가 읽고 나중에 답해 드립니다(답을 받으려면 "대화 내용 메일로 받기"에 이메일을 남겨 주세요). 또는 상담을 예약하세요.
chat-book = 상담 예약
chat-transcript = 대화 내용 메일로 받기
chat-transcript-hint = 채팅이 끝나면 대화 내용을 볼 수 있는 링크를 메일로 보내 드립니다. 메일에는 내용이 들어가지 않습니다.
chat-transcript-send = 대화 내용 받기
chat-transcript-ok = 채팅이 끝나면 링크를 메일로 보내 드립니다.
error-chat-closed = 종료된 채팅입니다.

## 채팅 안에서 제품이 하는 말 (양쪽 모두 봅니다)
chat-warning = 서로 존중하는 대화를 부탁드립니다. 이 채팅에서는 욕설, 위협, 성적인 발언이 허용되지 않습니다.
chat-final-warning = 마지막 경고입니다. 계속되면 채팅이 종료되고 한동안 새 채팅을 시작할 수 없습니다.
chat-ended-abuse = 폭언으로 이 채팅이 종료되었습니다.
chat-transferred = 다른 상담사에게 채팅을 연결하고 있습니다. 잠시만 기다려 주세요.

## 채팅 센터 (직원)
center-title = 채팅 센터
center-status = 내 상태
chat-status-available = 상담 가능
chat-status-busy = 업무 중
chat-status-after_work = 후처리
chat-status-break = 휴식
chat-status-offline = 오프라인
center-more-break = 휴식 시간 더 요청
center-capacity = 동시 채팅 수
center-canned = 상용구
center-dashboard = 관리자 대시보드
center-offer = 배정된 채팅이 기다리고 있습니다
center-accept = 수락
center-show-flagged = 메시지 보기
center-flagged = 감지된 메시지
center-step-warning = 내담자에게 경고를 보냈습니다.
center-step-final_warning = 내담자에게 마지막 경고를 보냈습니다.
center-step-end = 폭언으로 채팅이 종료되었습니다. 회복 휴식을 가지세요.
center-end-now = 지금 바로 이 채팅을 종료할 수 있습니다.
center-closed = 종료됨
center-send-as = 보내는 방식
center-to-client = 내담자에게
center-note = 내부 메모
center-whisper = 상담사에게 귓속말
center-watch = 모니터링
center-alert = 폭언으로 종료된 채팅이 있습니다.
center-record = 내담자 기록
center-transcript = 대화 기록
center-queue = 대기열
center-agents = 상담사
center-category = 종료 분류
center-close = 종료
center-end-abuse = 폭언으로 종료
center-transfer = 이관
center-to-queue = 대기열로 돌려보내기
center-transfer-note = 받는 사람에게 남길 메모
center-recent = 최근 채팅
center-chat-status = 상태
center-locked = 대화 기록이 증거로 잠겼습니다.
center-lock = 증거로 잠그기
center-export = 대화 기록 내보내기 (SHA-256 포함)
center-waiting = 대기 중
center-open = 진행 중인 채팅
center-average = 평균 처리 시간
center-week-hint = 최근 7일 동안 상태별 시간 (시:분:초).
center-counselor = 상담사
center-load = 채팅
center-incidents = 사건 (7일)
center-chats = 종료한 채팅
chat-category-resolved = 해결
chat-category-referred = 연계
chat-category-booked = 상담 예약
chat-category-left = 내담자가 나감
chat-category-unanswered = 응답하지 못함
chat-category-abuse = 폭언으로 종료
chat-category-other = 기타
chat-flag-insult = 욕설·모욕
chat-flag-sexual = 성희롱
chat-flag-threat = 위협
chat-flag-other = 기타 폭언
canned-hint = 채팅에서 "/"와 단축어를 입력하면 상용구가 들어갑니다. {"{"}client{"}"}와 {"{"}counselor{"}"}는 내담자의 닉네임과 내 이름으로 바뀝니다.
canned-shortcut = 단축어
canned-body = 내용
canned-share = 모든 상담사와 공유
canned-shared = 공유
error-canned-shortcut = 단축어는 1–30자의 글자, 숫자, - 또는 _입니다.
error-canned-body = 내용은 1–2000자여야 합니다.
error-canned-too-many = 상용구는 200개까지입니다. 먼저 몇 개를 지워 주세요.
error-chat-capacity = 동시 채팅 수는 1–10 사이로 정해 주세요.
error-chat-category = 종료 분류를 선택해 주세요.
error-chat-colleague = 채팅 센터의 동료를 선택해 주세요.
error-chat-gone = 이 채팅은 더 이상 기다리고 있지 않습니다.
error-chat-not-yours = 담당한 채팅이 아닙니다.
error-chat-open = 먼저 채팅을 종료해 주세요.
error-chat-status = 상담 가능, 업무 중, 휴식, 오프라인 중에서 선택해 주세요.
error-chat-supervisor-only = 관리자만 할 수 있습니다.

## 메일
mail-chat-transcript-subject = 채팅 대화 기록
mail-chat-transcript-body = 요청하신 채팅 대화 기록 링크입니다:
    { $link }

    링크는 { $days }일 뒤 만료되며, 그때까지 링크가 있으면 누구나 대화 기록을 볼 수 있으니 다른 사람에게 전달하지 마세요.
mail-abuse-subject = 상담사가 폭언을 겪었습니다
mail-abuse-body = 폭언으로 채팅 또는 상담이 종료되었습니다. 상담사는 회복 휴식 중입니다. 관리자 대시보드에서 사건을 확인하고 상담사를 도와주세요:
    { $link }
room-end-abuse-confirm = 폭언으로 지금 상담을 종료할까요? 보호된 회복 휴식이 주어지고 관리자에게 알려집니다.
timeline-chat = 채팅 상담
center-left = 대기 중 남긴 메시지
center-left-hint = 응답할 상담사가 없을 때 메시지를 남기고 떠난 내담자입니다. 메시지를 읽고 남긴 이메일이나 내담자 기록으로 답해 주세요.
center-reply-to = 내담자가 답을 받을 주소:
error-chat-file-not-yet = 상담사가 연결된 뒤에 파일을 보낼 수 있습니다.
error-chat-files-full = 이 채팅에는 이미 파일이 20개 있습니다.
error-files-full = 이 상담방에는 이미 파일이 50개 있습니다. 더 나누려면 필요 없는 파일 대신 메시지로 안내해 주세요.
center-chat-active = 상담 중
center-chat-offered = 배정됨, 수락 전
error-chat-too-many-pages = 이 채팅이 이미 여러 창에서 열려 있습니다. 다른 창을 닫고 다시 시도해 주세요.
error-room-too-many-pages = 이 상담방이 이미 여러 창에서 열려 있습니다. 다른 창을 닫고 다시 시도해 주세요.
center-end-break = 휴식 끝내기
error-break-protected = 보호 휴식 중에는 상태를 바꿀 수 없습니다. 휴식은 정해진 시간에 끝나며, 더 필요하면 휴식을 늘리거나 관리자에게 끝내 달라고 요청하세요.
center-state-queued = 대기 중
center-state-offered = 연결 중
center-state-active = 상담 중
center-state-closed = 종료
center-assign-to = 배정할 상담사
